import type { Deps } from '../deps.js';
import type { JobDefinition } from '../queue/job.js';
import { jobPayloads, TIP_READ_JOB } from '../queue/kinds.js';
import { DESK_CHANNEL } from '../audit/sql.js';
import { analyzeText } from './language/language.js';
import { indexTokens } from './language/tokens.js';
import { activeRules, readingTexts, writeReading, writeSearchTokens, type TipText } from './sql/reading.js';
import { likelyDuplicateOf, locationColumns, storedIncidentTypes, suggestForText } from './understand.js';

// Reading a tip: its structured place, search tokens, content words, incident types, the blended
// section suggestion and whether it likely repeats an open tip. It is the CPU-heavy part of
// intake (jieba, the place index, the classifier) and needs nothing the tipster waits for, so
// tip creation queues it (in the creating transaction: a tip is never left unread) and this job
// does it after the commit. A tip whose text changes later (a voicemail's transcript) is read
// again; a follow-up message only adds its search tokens. docs/reliability.md ("Reading tips").

/** Reads the tips (those whose reading is due) and writes what was read; returns how many were written. */
export async function readTips(deps: Deps, ids: string[]): Promise<number> {
  const { tips, rulesFingerprint } = await readingTexts(deps.pool, ids);
  const due = tips.filter((t) => !t.read);
  if (!due.length) return 0;
  const lang = deps.language;
  const kit = await lang.kit(deps.prisma);
  // An admin's new phrase counts from the next tip read: the rules' fingerprint came with the text.
  const rules = await lang.rules(rulesFingerprint, () => activeRules(deps.pool));
  let written = 0;
  for (const t of due) {
    const text = `${t.subject ?? ''}\n${t.body}`;
    const analysis = analyzeText(kit, text, { suppliedLocation: t.location, receivedAt: t.created_at });
    const suggestion = await suggestForText(deps.prisma, lang, text, analysis.classifierFeatures, rules);
    // A merged tip is no one's duplicate and flags none.
    const duplicate = t.status === 'MERGED' ? null : await likelyDuplicateOf(deps.pool, t.id, analysis);
    const ok = await writeReading(
      deps.pool,
      t,
      {
        searchTokens: tokensOf(t, analysis.searchTokens, (s) => indexTokens(kit.segmenter, s)),
        contentWords: analysis.words,
        incidentTypes: storedIncidentTypes(analysis.incidents),
        location: locationColumns(analysis.location),
        suggestion,
        duplicate,
      },
      deps.clock.now(),
      DESK_CHANNEL,
    );
    if (ok) written++;
  }
  return written;
}

/** The tip's tokens and those of its follow-up messages (a search finds the whole story). */
function tokensOf(t: TipText, own: string[], index: (s: string) => string[]): string[] {
  const all = new Set(own);
  for (const body of t.follow_ups) for (const w of index(body)) all.add(w);
  return [...all];
}

/** After a follow-up: the tip's tokens again, with the new message's (the rest of the reading stands). */
async function refreshTokens(deps: Deps, tipId: string): Promise<void> {
  const [t] = (await readingTexts(deps.pool, [tipId])).tips;
  // Unread: the reading to come covers the follow-ups too.
  if (!t || !t.read) return;
  const kit = await deps.language.kit(deps.prisma);
  const index = (s: string) => indexTokens(kit.segmenter, s);
  await writeSearchTokens(deps.pool, t, tokensOf(t, index(`${t.subject ?? ''}\n${t.body}`), index));
}

export const readTipJob: JobDefinition<typeof TIP_READ_JOB, Deps> = {
  id: TIP_READ_JOB,
  payload: jobPayloads[TIP_READ_JOB],
  maxAttempts: 5,
  async handler(deps, { tipId, what }) {
    if (what === 'tokens') await refreshTokens(deps, tipId);
    else await readTips(deps, [tipId]);
  },
};

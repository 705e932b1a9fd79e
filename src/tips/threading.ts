import type { Channel } from '../generated/prisma/enums.js';
import type { Tx } from '../db/prisma.js';
import { loadRules, suggestCategory } from './categorize.js';
import { nextReference } from './reference.js';
import type { LanguageService } from './language-service.js';
import { indexTokens } from './language/tokens.js';
import { readNewTip } from './understand.js';
import { audit } from '../triage/audit.js';

// What every intake channel does once a submission is understood: find the tipster,
// open a tip or add to one, write the audit trail. Runs inside the normalizer's transaction.

export interface TipsterInput {
  phone?: string | null;
  email?: string | null;
  wechatOpenId?: string | null;
  displayName?: string | null;
}

export async function findOrCreateTipster(tx: Tx, input: TipsterInput) {
  const phone = input.phone?.trim() || null;
  const email = input.email?.trim().toLowerCase() || null;
  const wechatOpenId = input.wechatOpenId?.trim() || null;
  if (!phone && !email && !wechatOpenId) return null;
  const where = phone ? { phone } : email ? { email } : { wechatOpenId: wechatOpenId! };
  const existing = await tx.tipster.findUnique({ where });
  if (existing) {
    if (!existing.displayName && input.displayName) {
      return tx.tipster.update({ where: { id: existing.id }, data: { displayName: input.displayName } });
    }
    return existing;
  }
  // Concurrent first contacts from one number race here; the loser reads the winner's row.
  const rows = await tx.$queryRaw<{ id: string }[]>`
    INSERT INTO tipster (phone, email, wechat_open_id, display_name) VALUES (${phone}, ${email}, ${wechatOpenId}, ${input.displayName ?? null})
    ON CONFLICT DO NOTHING RETURNING id::text`;
  if (rows[0]) return tx.tipster.findUniqueOrThrow({ where: { id: rows[0].id } });
  return tx.tipster.findUniqueOrThrow({ where });
}

export interface NewTipInput {
  channel: Channel;
  subject?: string | null;
  body: string;
  fullBody?: string | null;
  language?: string | null;
  tipsterId?: string | null;
  submissionId: string;
  receivedAt: Date;
  timeZone: string;
  emailMessageId?: string | null;
  messageKind?: string;
  externalId?: string | null;
  /** A tip row made earlier (e.g. by a webhook that had to answer with its reference): filled in, keeping its reference. */
  reservedTipId?: string | null;
  /** A location the channel supplied (a WeChat location label, a form's location field): wins over the text. */
  location?: string | null;
  /** deps.language: with it the tip gets search tokens, incident types, a structured location, a blended suggestion and a duplicate check. */
  lang?: LanguageService;
}

export function detectLanguage(text: string): string {
  const han = (text.match(/[\u3400-\u9fff]/g) ?? []).length;
  const latin = (text.match(/[a-zA-Z]/g) ?? []).length;
  if (han === 0 && latin === 0) return 'und';
  return han * 2 >= latin ? 'zh' : 'en';
}

export const searchTextOf = (t: { reference: string; subject?: string | null; body: string; title?: string | null; location?: string | null }) =>
  [t.reference, t.title, t.subject, t.location, t.body].filter(Boolean).join('\n').slice(0, 20_000);

export async function createTipFromSubmission(tx: Tx, input: NewTipInput) {
  const reserved = input.reservedTipId
    ? await tx.tip.findUniqueOrThrow({ where: { id: input.reservedTipId }, select: { reference: true, createdAt: true, location: true } })
    : null;
  const reference = reserved?.reference ?? (await nextReference(tx, input.receivedAt, input.timeZone));
  const text = `${input.subject ?? ''}\n${input.body}`;
  const rules = await loadRules(tx);
  const location = input.location?.trim() || reserved?.location || null;
  const reading = input.lang
    ? await readNewTip(tx, input.lang, { tipId: input.reservedTipId ?? null, text, supplied: location, receivedAt: input.receivedAt, rules })
    : null;
  const suggestion = reading ? reading.suggestion : suggestCategory(text, rules);
  const data = {
    channel: input.channel,
    subject: input.subject ?? null,
    body: input.body,
    language: input.language ?? detectLanguage(text),
    tipsterId: input.tipsterId ?? null,
    suggestedCategory: suggestion?.category ?? null,
    suggestionConfidence: suggestion?.confidence ?? null,
    suggestionTerms: suggestion?.terms ?? [],
    suggestionModelVersion: reading?.suggestion?.modelVersion ?? null,
    location,
    searchText: searchTextOf({ reference, subject: input.subject, body: input.body, location }),
    createdAt: reserved?.createdAt ?? input.receivedAt,
    lastActivityAt: input.receivedAt,
    ...reading?.fields,
  };
  const tip = reserved ? await tx.tip.update({ where: { id: input.reservedTipId! }, data }) : await tx.tip.create({ data: { reference, ...data } });
  if (input.tipsterId) {
    await tx.tipTipster.upsert({
      where: { tipId_tipsterId: { tipId: tip.id, tipsterId: input.tipsterId } },
      create: { tipId: tip.id, tipsterId: input.tipsterId },
      update: {},
    });
  }
  const message = await createInboundMessage(tx, tip.id, input);
  // Through audit(): a new tip is a desk event too, so open dashboards hear of it at once.
  await audit(tx, {
    tipId: tip.id,
    actorId: null,
    action: 'tip.created',
    after: {
      reference,
      channel: input.channel,
      suggestedCategory: suggestion?.category ?? null,
      ...(reading
        ? {
            suggestionModelVersion: reading.suggestion?.modelVersion ?? null,
            likelyDuplicateOf: reading.duplicate ? { ...reading.duplicate } : null,
          }
        : {}),
    },
    at: input.receivedAt,
  });
  return { tip, message };
}

type InboundMessageInput = Pick<
  NewTipInput,
  'submissionId' | 'channel' | 'subject' | 'body' | 'fullBody' | 'emailMessageId' | 'messageKind' | 'externalId' | 'receivedAt'
>;

/** The inbound Message row of a submission, whether it opens a tip or joins one. */
function createInboundMessage(tx: Tx, tipId: string, input: InboundMessageInput) {
  return tx.message.create({
    data: {
      tipId,
      submissionId: input.submissionId,
      direction: 'INBOUND',
      channel: input.channel,
      subject: input.subject ?? null,
      body: input.body,
      fullBody: input.fullBody ?? null,
      emailMessageId: input.emailMessageId ?? null,
      kind: input.messageKind ?? 'message',
      externalId: input.externalId ?? null,
      createdAt: input.receivedAt,
    },
  });
}

export async function addInboundMessage(
  tx: Tx,
  tipId: string,
  input: Omit<NewTipInput, 'timeZone' | 'language' | 'tipsterId'> & { tipsterId?: string | null },
) {
  const message = await createInboundMessage(tx, tipId, input);
  const tip = await tx.tip.findUniqueOrThrow({ where: { id: tipId } });
  // Follow-up text joins the searchable text (and tokens) so a search finds the whole story.
  const tokens = input.lang ? indexTokens((await input.lang.kit(tx)).segmenter, input.body) : [];
  await tx.tip.update({
    where: { id: tipId },
    data: {
      lastActivityAt: input.receivedAt,
      searchText: `${tip.searchText}\n${input.body}`.slice(0, 20_000),
      ...(tokens.length ? { searchTokens: [...new Set([...(tip.searchTokens ?? []), ...tokens])] } : {}),
    },
  });
  if (input.tipsterId) {
    await tx.tipTipster.upsert({
      where: { tipId_tipsterId: { tipId, tipsterId: input.tipsterId } },
      create: { tipId, tipsterId: input.tipsterId },
      update: {},
    });
  }
  await audit(tx, {
    tipId,
    actorId: null,
    action: 'message.received',
    after: { messageId: message.id, channel: input.channel },
    at: input.receivedAt,
  });
  return { tip, message };
}

/** A tip that was merged points at its survivor; follow-ups go to the survivor. */
export async function resolveMerged(tx: Tx, tipId: string): Promise<string> {
  let id = tipId;
  for (let i = 0; i < 10; i++) {
    const t = await tx.tip.findUnique({ where: { id }, select: { mergedIntoId: true } });
    if (!t?.mergedIntoId) return id;
    id = t.mergedIntoId;
  }
  return id;
}

import type { Deps } from '../deps.js';
import type { JobDefinition } from '../queue/job.js';
import { jobPayloads } from '../queue/kinds.js';
import { enqueue } from '../queue/enqueue.js';
import type { Service } from '../lifecycle/service.js';
import { trainNaiveBayes, type Example } from './language/classifier.js';
import { analyzeTip, loadCategorySeed } from './language/language.js';
import { classifierFeatures } from './language/tokens.js';
import { countWordsBatch } from './sql/features.js';
import { locationColumns, storedIncidentTypes } from './understand.js';

// The language job: keeps word rarity (word_df) counted over the desk's tips, reads tips that
// predate the language columns, and retrains the section classifier from the editors' filed
// tips once enough new decisions have accumulated. A worker service queues it periodically.

const KIND = 'language-maintenance' as const;
const WORD_BATCH = 2000;
const WORD_BATCHES_PER_RUN = 50;
const BACKFILL_BATCH = 200;
/** The newest filed tips the classifier learns from: recent decisions say most about today's desk. */
const TRAIN_LIMIT = 20_000;

/** Tips read before the language columns existed get their tokens, words, types and place (unread ones wait for tip.read). */
async function backfill(deps: Deps): Promise<number> {
  const rows = await deps.prisma.$queryRaw<{ id: string; subject: string | null; body: string; location: string | null; created_at: Date }[]>`
    SELECT id::text, subject, body, location, created_at FROM tip
    WHERE cardinality(search_tokens) = 0 AND body <> '' AND status <> 'MERGED' AND read_at IS NOT NULL
    ORDER BY created_at DESC LIMIT ${BACKFILL_BATCH}`;
  if (!rows.length) return 0;
  const kit = await deps.language.kit(deps.prisma);
  for (const r of rows) {
    const a = analyzeTip(kit, `${r.subject ?? ''}\n${r.body}`, { suppliedLocation: r.location, receivedAt: r.created_at });
    await deps.prisma.tip.update({
      where: { id: r.id },
      data: {
        searchTokens: a.searchTokens.length ? a.searchTokens : [' '],
        contentWords: a.words,
        incidentTypes: storedIncidentTypes(a.incidents),
        ...locationColumns(a.location),
      },
    });
  }
  return rows.length;
}

/** Trains and stores a new classifier when CLASSIFIER_RETRAIN_EVERY filed tips came since the last one (or `force`). */
export async function retrainIfDue(deps: Deps, force = false): Promise<{ trained: boolean; filed: number }> {
  const { prisma, config } = deps;
  const filed = await prisma.tip.count({ where: { category: { not: null }, status: { not: 'MERGED' } } });
  const last = await prisma.categoryModel.findFirst({ orderBy: { version: 'desc' }, select: { trainedOn: true } });
  const due = filed >= config.CLASSIFIER_MIN_TIPS && (!last || filed - last.trainedOn >= config.CLASSIFIER_RETRAIN_EVERY || force);
  if (!due) return { trained: false, filed };
  const tips = await prisma.tip.findMany({
    where: { category: { not: null }, status: { not: 'MERGED' } },
    orderBy: { createdAt: 'desc' },
    take: TRAIN_LIMIT,
    select: { subject: true, body: true, category: true },
  });
  const kit = await deps.language.kit(prisma);
  const examples: Example[] = tips.map((t) => ({
    features: classifierFeatures(kit.segmenter, `${t.subject ?? ''}\n${t.body}`),
    category: t.category!,
  }));
  // The written seed tips join the editors' decisions (see loadCategorySeed): with few filed
  // tips they carry the everyday words the phrase rules miss; as decisions accumulate they weigh less.
  const seed: Example[] = loadCategorySeed().map((t) => ({ features: classifierFeatures(kit.segmenter, t.text), category: t.label }));
  const model = trainNaiveBayes([...seed, ...examples]);
  const row = await prisma.categoryModel.create({
    data: { model, trainedOn: filed, trainedAt: deps.clock.now() },
    select: { version: true },
  });
  deps.language.modelChanged();
  deps.logger.info({ version: row.version, trainedOn: examples.length, temperature: model.temperature }, 'category model trained');
  return { trained: true, filed };
}

export async function runLanguageMaintenance(deps: Deps, opts: { retrain?: boolean } = {}) {
  let counted = 0;
  for (let i = 0; i < WORD_BATCHES_PER_RUN; i++) {
    const n = await countWordsBatch(deps.prisma, WORD_BATCH);
    counted += n;
    if (n < WORD_BATCH) break;
  }
  const backfilled = await backfill(deps);
  const model = await retrainIfDue(deps, opts.retrain);
  return { counted, backfilled, ...model };
}

export const languageMaintenanceJob: JobDefinition<typeof KIND, Deps> = {
  id: KIND,
  payload: jobPayloads[KIND],
  maxAttempts: 3,
  async handler(deps, { retrain }) {
    const r = await runLanguageMaintenance(deps, { retrain });
    deps.logger.info(r, 'language maintenance done');
  },
};

/** Queues the language job every LANGUAGE_JOB_SECONDS; one job per period however many workers run (unique key). */
export function languageJobService(deps: Deps): Service {
  const periodMs = deps.config.LANGUAGE_JOB_SECONDS * 1000;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    const bucket = Math.floor(deps.clock.now().getTime() / periodMs);
    try {
      await enqueue(deps.prisma, KIND, { retrain: false }, { uniqueKey: `${KIND}:${bucket}` });
    } catch (err) {
      deps.logger.warn({ err }, 'could not queue the language job');
    }
  };
  return {
    name: 'language job',
    async start() {
      if (periodMs <= 0) return;
      await tick();
      timer = setInterval(() => void tick(), periodMs);
    },
    async stop() {
      if (timer) clearInterval(timer);
    },
  };
}

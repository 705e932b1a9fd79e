import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { audit } from '../audit/audit.js';
import { type Prisma } from '../db/prisma.js';
import { allowedTransitions, mayChangeLead, mayEditTriageFields } from './policy.js';
import { REPORTER_PATCH_TARGETS, canTransition } from '../tips/state-machine.js';
import { fromDbCategory, fromDbPriority, toDbCategory, toDbPriority, type PatchTip, type TipStatus } from './triage.schema.js';
import { TX, tipNotFound, stale, illegal, resolveVersion } from './common.js';
import { tipDetail } from './detail.js';
import { raiseUrgentAlert } from '../messaging/alerts/urgent.js';
import { placeCorrection, placeSelect } from './place.js';

export async function patchTip(deps: Deps, viewer: AuthUser, id: string, input: PatchTip, ifMatch: string | undefined) {
  const { prisma, clock, logger } = deps;
  const version = resolveVersion(input.version, ifMatch);
  const tip = await prisma.tip.findUnique({
    where: { id },
    select: {
      reference: true,
      status: true,
      assigneeId: true,
      version: true,
      category: true,
      suggestedCategory: true,
      priority: true,
      title: true,
      location: true,
      ...placeSelect,
    },
  });
  if (!tip) throw tipNotFound();
  const editor = mayEditTriageFields(viewer);
  if (!editor && (input.category !== undefined || input.priority !== undefined)) {
    throw new AppError('FORBIDDEN', 'Only editors set the category and priority');
  }
  if (!mayChangeLead(viewer, tip)) throw new AppError('FORBIDDEN', 'Reporters change only the leads they have claimed');
  if (tip.version !== version) throw stale(tip.version);

  const before: Record<string, unknown> = {};
  const after: Record<string, unknown> = {};
  const data: Prisma.TipUncheckedUpdateManyInput = {};
  const change = (key: string, from: unknown, to: unknown) => {
    before[key] = from;
    after[key] = to;
  };
  if (input.category !== undefined && toDbCategory(input.category) !== tip.category) {
    change('category', fromDbCategory(tip.category), input.category);
    data.category = toDbCategory(input.category);
  }
  // Categorizing a new tip is triaging it.
  let status = input.status;
  // Back to NEW (an undone filing): a NEW tip has no category.
  if (status === 'NEW' && tip.status !== 'NEW' && tip.category !== null) {
    change('category', fromDbCategory(tip.category), null);
    data.category = null;
  }
  if (status === undefined && input.category !== undefined && tip.status === 'NEW') status = 'TRIAGED';
  if (status !== undefined && status !== tip.status) {
    const allowed = canTransition(tip.status, status, 'patch') && (editor || REPORTER_PATCH_TARGETS.includes(status));
    if (!allowed) {
      const err = illegal(tip.status, status, 'patch');
      if (!editor) (err.details as { allowed: TipStatus[] }).allowed = allowedTransitions(viewer, tip.status, tip.assigneeId);
      throw err;
    }
    change('status', tip.status, status);
    data.status = status;
    if (status === 'TRIAGED' && tip.assigneeId) {
      // Back to the pool: nobody holds it any more.
      change('assigneeId', tip.assigneeId, null);
      Object.assign(data, { assigneeId: null, claimedAt: null, claimWarnedAt: null });
    }
  }
  if (input.priority !== undefined && toDbPriority(input.priority) !== tip.priority) {
    change('priority', fromDbPriority(tip.priority), input.priority);
    data.priority = toDbPriority(input.priority);
  }
  for (const key of ['title', 'location'] as const) {
    const v = input[key] === undefined ? undefined : input[key] || null;
    if (v !== undefined && v !== tip[key]) {
      change(key, tip[key], v);
      data[key] = v;
    }
  }
  if (input.place) {
    const fix = placeCorrection(tip, input.place);
    if (fix) {
      change('place', fix.before, fix.after);
      Object.assign(data, fix.data);
    }
  }
  if (Object.keys(data).length === 0) return tipDetail(deps, viewer, id);
  const unfiled = after.status === 'NEW';
  if ('category' in after && !unfiled) {
    // The editor's choice wins; the audit keeps what the model had suggested.
    after.suggestedCategory = fromDbCategory(tip.suggestedCategory);
    after.overrodeSuggestion = tip.suggestedCategory !== null && tip.suggestedCategory !== data.category;
  }
  const action = 'category' in after && !unfiled ? 'tip.categorized' : 'status' in after ? 'tip.status_changed' : 'tip.updated';
  const now = clock.now();
  await prisma.$transaction(async (tx) => {
    const r = await tx.tip.updateMany({ where: { id, version }, data: { ...data, version: { increment: 1 }, lastActivityAt: now } });
    if (r.count === 0) {
      const current = await tx.tip.findUnique({ where: { id }, select: { version: true } });
      throw current ? stale(current.version) : tipNotFound();
    }
    await audit(tx, { tipId: id, actorId: viewer.id, action, before, after, at: now });
    // An urgent tip is worth telling the desk's group chat about, once per tip.
    if (data.priority === 'URGENT')
      await raiseUrgentAlert(tx, deps.config, {
        id,
        reference: tip.reference,
        category: input.category !== undefined ? toDbCategory(input.category) : tip.category,
      });
  }, TX);
  logger.info({ tip: id, actor: viewer.id, action }, 'tip updated');
  return tipDetail(deps, viewer, id);
}

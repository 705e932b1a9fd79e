import { randomUUID } from 'node:crypto';
import type { Deps } from '../deps.js';
import { Prisma, type Tx } from '../db/prisma.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { audit } from './audit.js';
import { isEditor, tipVisible } from './masking.js';
import { queueAssignmentEmail } from '../messaging/notify.js';
import { queueReply } from '../messaging/reply.js';
import { CLAIMED_STATUSES, REPORTER_PATCH_TARGETS, canTransition, targets, transitionDetails, type Via } from '../tips/state-machine.js';
import { listSql, nextCursorOf, orderBy, summarySql, toSummary, type SummaryRow } from './tip-query.js';
import {
  fromDbCategory,
  fromDbPriority,
  toDbCategory,
  toDbPriority,
  type ListTipsQuery,
  type PatchTip,
  type TipDetail,
  type TipStatus,
} from './triage.schema.js';

// Editors' and reporters' work on tips. Every change runs in one transaction with the
// AuditEvent that records it; concurrent changes are settled by the database (a version
// in the WHERE clause, a conditional UPDATE, or a row lock), never by reading then hoping.

const TX = { maxWait: 10_000, timeout: 20_000 };

export const tipNotFound = () => AppError.notFound('Tip');

function stale(current: number) {
  return new AppError('CONFLICT', `The tip changed since you read it (now version ${current}); reload and try again`, {
    reason: 'stale_version',
    currentVersion: current,
  });
}

function illegal(from: TipStatus, to: TipStatus | null, via: Via) {
  const d = transitionDetails(from, to, via);
  const allowed = d.allowed.length ? d.allowed.join(', ') : 'none';
  return new AppError('CONFLICT', `A ${from} tip cannot ${to ? `become ${to}` : 'do that'} this way; allowed by PATCH from ${from}: ${allowed}`, {
    reason: 'illegal_transition',
    ...d,
  });
}

/** `version` in the body or `If-Match: "3"`; neither is 428, both disagreeing is 400. */
export function resolveVersion(bodyVersion: number | undefined, ifMatch: string | undefined): number {
  let header: number | undefined;
  if (ifMatch !== undefined && ifMatch !== '') {
    const m = ifMatch.trim().match(/^(?:W\/)?"?(\d+)"?$/);
    if (!m)
      throw new AppError('VALIDATION', 'Invalid header: If-Match', { fields: [{ field: 'If-Match', message: 'must be the tip version, e.g. "3"' }] });
    header = Number(m[1]);
  }
  if (bodyVersion !== undefined && header !== undefined && bodyVersion !== header) {
    throw new AppError('VALIDATION', 'Invalid request: version and If-Match disagree', {
      fields: [{ field: 'version', message: 'differs from If-Match' }],
    });
  }
  const v = bodyVersion ?? header;
  if (v === undefined) throw new AppError('PRECONDITION_REQUIRED', 'Send the version you read: `version` in the body or an If-Match header');
  return v;
}

interface LockedTip {
  id: string;
  status: TipStatus;
  assignee_id: string | null;
  version: number;
  reference: string;
  category: string | null;
  priority: string;
  title: string | null;
  tipster_id: string | null;
  search_text: string;
}

async function lockTips(tx: Tx, ids: string[]): Promise<LockedTip[]> {
  // Locks in id order so two merges of the same pair cannot deadlock.
  return tx.$queryRaw<LockedTip[]>`
    SELECT id::text, status::text, assignee_id::text, version, reference, category::text, priority::text, title, tipster_id::text, search_text
    FROM tip WHERE id = ANY(${ids}::uuid[]) ORDER BY id FOR UPDATE`;
}

const userRef = { select: { id: true, displayName: true } } as const;
const iso = (d: Date | null | undefined) => d?.toISOString() ?? null;

export function triageService(deps: Deps) {
  const { prisma, clock, config, logger } = deps;
  const tz = config.TIMEZONE;

  async function summaryRow(db: Tx, id: string): Promise<SummaryRow | null> {
    const rows = await db.$queryRaw<SummaryRow[]>(summarySql([Prisma.sql`t.id = ${id}::uuid`], orderBy('newest'), 1));
    return rows[0] ?? null;
  }

  function allowedFor(viewer: AuthUser, status: TipStatus, assigneeId: string | null): TipStatus[] {
    const all = targets(status, 'patch');
    if (isEditor(viewer)) return all;
    if (assigneeId !== viewer.id || !CLAIMED_STATUSES.includes(status)) return [];
    return all.filter((s) => REPORTER_PATCH_TARGETS.includes(s));
  }

  async function detail(viewer: AuthUser, id: string): Promise<TipDetail> {
    const row = await summaryRow(prisma, id);
    if (!row) throw tipNotFound();
    if (!tipVisible(viewer, { status: row.status, assigneeId: row.assignee_id })) {
      throw new AppError('FORBIDDEN', 'This lead is not yours: reporters see their own leads and the open pool');
    }
    const [tip, messages, attachments, notes, events, mergedFrom] = await Promise.all([
      prisma.tip.findUnique({ where: { id }, select: { body: true } }),
      prisma.message.findMany({
        where: { tipId: id },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        select: {
          id: true,
          direction: true,
          channel: true,
          kind: true,
          subject: true,
          body: true,
          fullBody: true,
          createdAt: true,
          sentAt: true,
          deliveryState: true,
          deliveryError: true,
          author: userRef,
        },
      }),
      prisma.attachment.findMany({
        where: { tipId: id },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        select: { id: true, messageId: true, filename: true, contentType: true, size: true, kind: true, dangerous: true, state: true },
      }),
      prisma.note.findMany({
        where: { tipId: id },
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        select: { id: true, body: true, createdAt: true, author: userRef },
      }),
      eventsOf(id),
      prisma.tip.findMany({
        where: { mergedIntoId: id },
        orderBy: { createdAt: 'asc' },
        select: { id: true, reference: true, channel: true, createdAt: true },
      }),
    ]);
    const att = attachments.map((a) => ({ ...a, url: `/api/attachments/${a.id}` }));
    const summary = toSummary(row, viewer);
    return {
      ...summary,
      body: tip?.body ?? '',
      messages: messages.map((m) => ({
        ...m,
        createdAt: m.createdAt.toISOString(),
        sentAt: iso(m.sentAt),
        attachments: att.filter((a) => a.messageId === m.id),
      })),
      attachments: att,
      notes: notes.map((n) => ({ ...n, createdAt: n.createdAt.toISOString() })),
      events,
      mergedFrom: mergedFrom.map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })),
      allowedTransitions: allowedFor(viewer, summary.status, row.assignee_id),
    };
  }

  async function eventsOf(tipId: string) {
    const rows = await prisma.auditEvent.findMany({
      where: { tipId },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: 1000,
      select: { id: true, action: true, before: true, after: true, createdAt: true, actor: userRef },
    });
    return rows.map((e) => ({ ...e, createdAt: e.createdAt.toISOString() }));
  }

  async function visibleTip(viewer: AuthUser, id: string) {
    const tip = await prisma.tip.findUnique({ where: { id }, select: { id: true, status: true, assigneeId: true } });
    if (!tip) throw tipNotFound();
    if (!tipVisible(viewer, tip)) throw new AppError('FORBIDDEN', 'This lead is not yours: reporters see their own leads and the open pool');
    return tip;
  }

  return {
    detail,

    async list(viewer: AuthUser, query: ListTipsQuery) {
      const rows = await prisma.$queryRaw<SummaryRow[]>(listSql(query, { timeZone: tz, viewerId: viewer.id }));
      return { tips: rows.slice(0, query.limit).map((r) => toSummary(r, viewer)), nextCursor: nextCursorOf(rows, query) };
    },

    /** Pages through the whole filtered list for the CSV export without holding it in memory. */
    async *iterate(viewer: AuthUser, query: Omit<ListTipsQuery, 'cursor' | 'limit'>, pageSize = 1000) {
      let cursor: string | undefined;
      for (;;) {
        const q = { ...query, cursor, limit: pageSize };
        const rows = await prisma.$queryRaw<SummaryRow[]>(listSql(q, { timeZone: tz, viewerId: viewer.id }));
        yield rows.slice(0, pageSize);
        const next = nextCursorOf(rows, q);
        if (!next) return;
        cursor = next;
      }
    },

    async patch(viewer: AuthUser, id: string, input: PatchTip, ifMatch: string | undefined) {
      const version = resolveVersion(input.version, ifMatch);
      const tip = await prisma.tip.findUnique({
        where: { id },
        select: {
          status: true,
          assigneeId: true,
          version: true,
          category: true,
          suggestedCategory: true,
          priority: true,
          title: true,
          location: true,
        },
      });
      if (!tip) throw tipNotFound();
      const editor = isEditor(viewer);
      if (!editor) {
        if (input.category !== undefined || input.priority !== undefined) {
          throw new AppError('FORBIDDEN', 'Only editors set the category and priority');
        }
        if (tip.assigneeId !== viewer.id || !CLAIMED_STATUSES.includes(tip.status)) {
          throw new AppError('FORBIDDEN', 'Reporters change only the leads they have claimed');
        }
      }
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
      if (status === undefined && input.category !== undefined && tip.status === 'NEW') status = 'TRIAGED';
      if (status !== undefined && status !== tip.status) {
        const allowed = canTransition(tip.status, status, 'patch') && (editor || REPORTER_PATCH_TARGETS.includes(status));
        if (!allowed) {
          const err = illegal(tip.status, status, 'patch');
          if (!editor) (err.details as { allowed: TipStatus[] }).allowed = allowedFor(viewer, tip.status, tip.assigneeId);
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
      if (Object.keys(data).length === 0) return detail(viewer, id);
      if ('category' in after) {
        // The editor's choice wins; the audit keeps what the model had suggested.
        after.suggestedCategory = fromDbCategory(tip.suggestedCategory);
        after.overrodeSuggestion = tip.suggestedCategory !== null && tip.suggestedCategory !== data.category;
      }
      const action = 'category' in after ? 'tip.categorized' : 'status' in after ? 'tip.status_changed' : 'tip.updated';
      const now = clock.now();
      await prisma.$transaction(async (tx) => {
        const r = await tx.tip.updateMany({ where: { id, version }, data: { ...data, version: { increment: 1 }, lastActivityAt: now } });
        if (r.count === 0) {
          const current = await tx.tip.findUnique({ where: { id }, select: { version: true } });
          throw current ? stale(current.version) : tipNotFound();
        }
        await audit(tx, { tipId: id, actorId: viewer.id, action, before, after, at: now });
      }, TX);
      logger.info({ tip: id, actor: viewer.id, action }, 'tip updated');
      return detail(viewer, id);
    },

    async assign(viewer: AuthUser, id: string, reporterId: string, version: number | undefined) {
      const reporter = await prisma.user.findUnique({
        where: { id: reporterId },
        select: { id: true, email: true, displayName: true, role: true, active: true },
      });
      if (!reporter || reporter.role !== 'REPORTER' || !reporter.active) {
        throw new AppError('VALIDATION', 'Invalid request body: reporterId', {
          fields: [{ field: 'reporterId', message: 'is not an active reporter' }],
        });
      }
      const now = clock.now();
      await prisma.$transaction(async (tx) => {
        const [t] = await lockTips(tx, [id]);
        if (!t) throw tipNotFound();
        if (version !== undefined && t.version !== version) throw stale(t.version);
        if (t.status === 'ASSIGNED' && t.assignee_id === reporterId) return;
        if (!canTransition(t.status, 'ASSIGNED', 'assign')) throw illegal(t.status, 'ASSIGNED', 'assign');
        await tx.tip.update({
          where: { id },
          data: {
            status: 'ASSIGNED',
            assigneeId: reporterId,
            claimedAt: null,
            claimWarnedAt: null,
            returnedToPoolAt: null,
            lastActivityAt: now,
            version: { increment: 1 },
          },
        });
        await audit(tx, {
          tipId: id,
          actorId: viewer.id,
          action: 'tip.assigned',
          at: now,
          before: { status: t.status, assigneeId: t.assignee_id },
          after: { status: 'ASSIGNED', assigneeId: reporterId, assignee: reporter.displayName },
        });
        await queueAssignmentEmail(tx, config, { tip: t, reporter, editorName: viewer.displayName, version: t.version + 1 });
      }, TX);
      logger.info({ tip: id, actor: viewer.id, assignee: reporterId }, 'tip assigned');
      return detail(viewer, id);
    },

    /**
     * One conditional UPDATE decides the claim: the row lock in the CTE queues concurrent
     * claimers and each re-reads the winner's row, so exactly one of them matches.
     * The audit row is written by the same statement.
     */
    async claim(viewer: AuthUser, id: string) {
      const now = clock.now();
      const rows = await prisma.$queryRaw<{ version: number }[]>`
        WITH old AS (
          SELECT id, status, assignee_id FROM tip WHERE id = ${id}::uuid FOR UPDATE
        ), upd AS (
          UPDATE tip t SET status = 'CLAIMED', assignee_id = ${viewer.id}::uuid, claimed_at = ${now}, claim_warned_at = NULL,
                 returned_to_pool_at = NULL, last_activity_at = ${now}, updated_at = ${now}, version = t.version + 1
          FROM old
          WHERE t.id = old.id
            AND ((old.status = 'TRIAGED' AND old.assignee_id IS NULL) OR (old.status = 'ASSIGNED' AND old.assignee_id = ${viewer.id}::uuid))
          RETURNING t.id, t.version, old.status AS before_status, old.assignee_id AS before_assignee
        ), ev AS (
          INSERT INTO audit_event (tip_id, actor_id, action, before, after, created_at)
          SELECT id, ${viewer.id}::uuid, 'tip.claimed',
                 jsonb_build_object('status', before_status, 'assigneeId', before_assignee),
                 jsonb_build_object('status', 'CLAIMED', 'assigneeId', ${viewer.id}::text),
                 ${now}
          FROM upd
        )
        SELECT version FROM upd`;
      if (rows.length === 0) {
        const t = await prisma.tip.findUnique({ where: { id }, select: { status: true, assigneeId: true, assignee: userRef } });
        if (!t) throw tipNotFound();
        if (t.assigneeId === viewer.id && CLAIMED_STATUSES.includes(t.status)) return detail(viewer, id);
        if (t.assigneeId && t.assigneeId !== viewer.id) {
          const what = CLAIMED_STATUSES.includes(t.status) ? 'claimed' : 'assigned';
          throw new AppError('CONFLICT', `This lead is already ${what} by ${t.assignee?.displayName ?? 'another reporter'}`, {
            reason: `already_${what}`,
            assignee: t.assignee,
          });
        }
        throw illegal(t.status, 'CLAIMED', 'claim');
      }
      logger.info({ tip: id, actor: viewer.id }, 'tip claimed');
      return detail(viewer, id);
    },

    async release(viewer: AuthUser, id: string) {
      const now = clock.now();
      await prisma.$transaction(async (tx) => {
        const [t] = await lockTips(tx, [id]);
        if (!t) throw tipNotFound();
        if (!isEditor(viewer) && t.assignee_id !== viewer.id)
          throw new AppError('FORBIDDEN', 'Only the assigned reporter or an editor can release a lead');
        if (!canTransition(t.status, 'TRIAGED', 'release')) throw illegal(t.status, 'TRIAGED', 'release');
        await tx.tip.update({
          where: { id },
          data: { status: 'TRIAGED', assigneeId: null, claimedAt: null, claimWarnedAt: null, lastActivityAt: now, version: { increment: 1 } },
        });
        await audit(tx, {
          tipId: id,
          actorId: viewer.id,
          action: 'tip.released',
          at: now,
          before: { status: t.status, assigneeId: t.assignee_id },
          after: { status: 'TRIAGED', assigneeId: null },
        });
      }, TX);
      return detail(viewer, id);
    },

    async merge(viewer: AuthUser, id: string, intoId: string, version: number | undefined) {
      if (id === intoId) {
        throw new AppError('VALIDATION', 'Invalid request body: intoId', { fields: [{ field: 'intoId', message: 'must be another tip' }] });
      }
      const now = clock.now();
      await prisma.$transaction(async (tx) => {
        const locked = await lockTips(tx, [id, intoId]);
        const src = locked.find((t) => t.id === id);
        const dst = locked.find((t) => t.id === intoId);
        if (!src) throw tipNotFound();
        if (!dst) throw AppError.notFound('Target tip (intoId)');
        if (version !== undefined && src.version !== version) throw stale(src.version);
        if (!canTransition(src.status, 'MERGED', 'merge')) throw illegal(src.status, 'MERGED', 'merge');
        if (dst.status === 'MERGED') {
          const target = await tx.tip.findUnique({ where: { id: intoId }, select: { mergedIntoId: true } });
          throw new AppError('CONFLICT', 'The target tip was itself merged; merge into its survivor', {
            reason: 'target_merged',
            mergedIntoId: target?.mergedIntoId,
          });
        }
        // Everything moves; nothing is deleted. The merged tip keeps its own audit trail.
        const moved = {
          messages: (await tx.message.updateMany({ where: { tipId: id }, data: { tipId: intoId } })).count,
          attachments: (await tx.attachment.updateMany({ where: { tipId: id }, data: { tipId: intoId } })).count,
          notes: (await tx.note.updateMany({ where: { tipId: id }, data: { tipId: intoId } })).count,
          submissions: (await tx.submission.updateMany({ where: { tipId: id }, data: { tipId: intoId } })).count,
          tipsters: await tx.$executeRaw`
            INSERT INTO tip_tipster (tip_id, tipster_id, created_at)
            SELECT ${intoId}::uuid, tipster_id, ${now} FROM (
              SELECT tipster_id FROM tip_tipster WHERE tip_id = ${id}::uuid
              UNION SELECT tipster_id FROM tip WHERE id = ${id}::uuid AND tipster_id IS NOT NULL
            ) s
            ON CONFLICT DO NOTHING`,
          // Earlier merges into this tip now point straight at the survivor.
          earlierMerges: (await tx.tip.updateMany({ where: { mergedIntoId: id }, data: { mergedIntoId: intoId } })).count,
        };
        await tx.tip.update({
          where: { id: intoId },
          data: {
            searchText: `${dst.search_text}\n${src.search_text}`.slice(0, 20_000),
            ...(dst.tipster_id === null && src.tipster_id ? { tipsterId: src.tipster_id } : {}),
            lastActivityAt: now,
            version: { increment: 1 },
          },
        });
        await audit(tx, {
          tipId: intoId,
          actorId: viewer.id,
          action: 'tip.merged_from',
          at: now,
          after: { sourceId: id, sourceReference: src.reference, moved },
        });
        await tx.tip.update({
          where: { id },
          data: { status: 'MERGED', mergedIntoId: intoId, claimedAt: null, claimWarnedAt: null, lastActivityAt: now, version: { increment: 1 } },
        });
        await audit(tx, {
          tipId: id,
          actorId: viewer.id,
          action: 'tip.merged_into',
          at: now,
          before: { status: src.status },
          after: { status: 'MERGED', mergedIntoId: intoId, intoReference: dst.reference, moved },
        });
      }, TX);
      logger.info({ tip: id, into: intoId, actor: viewer.id }, 'tip merged');
      return detail(viewer, intoId);
    },

    async addNote(viewer: AuthUser, id: string, body: string) {
      const tip = await prisma.tip.findUnique({ where: { id }, select: { assigneeId: true } });
      if (!tip) throw tipNotFound();
      if (!isEditor(viewer) && tip.assigneeId !== viewer.id) throw new AppError('FORBIDDEN', 'Reporters add notes only to their own leads');
      const now = clock.now();
      const note = await prisma.$transaction(async (tx) => {
        const n = await tx.note.create({
          data: { tipId: id, authorId: viewer.id, body, createdAt: now },
          select: { id: true, body: true, createdAt: true, author: userRef },
        });
        // Activity keeps a claim alive; the version is for the tip's fields, so a note does not make an editor's form stale.
        await tx.tip.update({ where: { id }, data: { lastActivityAt: now } });
        await audit(tx, { tipId: id, actorId: viewer.id, action: 'note.added', after: { noteId: n.id }, at: now });
        return n;
      }, TX);
      return { note: { ...note, createdAt: note.createdAt.toISOString() } };
    },

    async reply(viewer: AuthUser, id: string, body: string) {
      const tip = await prisma.tip.findUnique({
        where: { id },
        select: {
          id: true,
          reference: true,
          channel: true,
          status: true,
          subject: true,
          assigneeId: true,
          tipster: { select: { phone: true, email: true, smsOptOut: true } },
        },
      });
      if (!tip) throw tipNotFound();
      const assignedToMe = tip.assigneeId === viewer.id && ['ASSIGNED', 'CLAIMED', 'IN_PROGRESS'].includes(tip.status);
      if (!isEditor(viewer) && !assignedToMe)
        throw new AppError('FORBIDDEN', 'Only editors and the reporter holding the lead can reply to the tipster');
      if (tip.status === 'MERGED') throw new AppError('CONFLICT', 'This tip was merged; reply on the tip it was merged into', { reason: 'merged' });
      const now = clock.now();
      const message = await prisma.$transaction(async (tx) => {
        const m = await queueReply(tx, deps, { tip, body, authorId: viewer.id, now, messageId: randomUUID() });
        await tx.tip.update({ where: { id }, data: { lastActivityAt: now } });
        await audit(tx, { tipId: id, actorId: viewer.id, action: 'reply.queued', after: { messageId: m.id, channel: m.channel }, at: now });
        return m;
      }, TX);
      logger.info({ tip: id, actor: viewer.id, message: message.id, channel: message.channel }, 'reply queued');
      const full = await prisma.message.findUniqueOrThrow({
        where: { id: message.id },
        select: {
          id: true,
          direction: true,
          channel: true,
          kind: true,
          subject: true,
          body: true,
          fullBody: true,
          createdAt: true,
          sentAt: true,
          deliveryState: true,
          deliveryError: true,
          author: userRef,
        },
      });
      return { message: { ...full, createdAt: full.createdAt.toISOString(), sentAt: iso(full.sentAt), attachments: [] } };
    },

    async related(viewer: AuthUser, id: string) {
      const tip = await prisma.tip.findUnique({ where: { id }, select: { id: true, subject: true, body: true, createdAt: true } });
      if (!tip) throw tipNotFound();
      const sameTipster = await prisma.$queryRaw<{ id: string }[]>`
        SELECT DISTINCT x.tip_id::text AS id FROM (
          SELECT tt.tip_id FROM tip_tipster tt
          WHERE tt.tipster_id IN (SELECT tipster_id FROM tip_tipster WHERE tip_id = ${id}::uuid UNION SELECT tipster_id FROM tip WHERE id = ${id}::uuid AND tipster_id IS NOT NULL)
          UNION SELECT t.id FROM tip t
          WHERE t.tipster_id IN (SELECT tipster_id FROM tip_tipster WHERE tip_id = ${id}::uuid UNION SELECT tipster_id FROM tip WHERE id = ${id}::uuid AND tipster_id IS NOT NULL)
        ) x JOIN tip t ON t.id = x.tip_id
        WHERE x.tip_id <> ${id}::uuid AND t.status <> 'MERGED'
        LIMIT 50`;
      // Same story told twice, by SMS and by email: trigram similarity of the texts, within a window of days.
      const text = `${tip.subject ?? ''} ${tip.body}`.slice(0, 600);
      const days = RELATED_WINDOW_DAYS;
      // The candidates are bounded (the tips nearest in time) so a busy fortnight costs the same as a quiet one.
      const similar = await prisma.$queryRaw<{ id: string; sim: number }[]>`
        SELECT id::text, sim FROM (
          SELECT c.id, similarity(coalesce(c.subject, '') || ' ' || left(c.body, 600), ${text}) AS sim
          FROM (
            SELECT t.id, t.subject, t.body FROM tip t
            WHERE t.id <> ${id}::uuid AND t.status <> 'MERGED'
              AND t.created_at BETWEEN ${tip.createdAt}::timestamptz - make_interval(days => ${days}::int)
                                   AND ${tip.createdAt}::timestamptz + make_interval(days => ${days}::int)
            ORDER BY abs(extract(epoch FROM t.created_at - ${tip.createdAt}::timestamptz))
            LIMIT ${RELATED_MAX_CANDIDATES}
          ) c
        ) s WHERE sim >= ${RELATED_MIN_SIMILARITY}::float8
        ORDER BY sim DESC LIMIT 20`;
      const reasons = new Map<string, { reason: 'same_tipster' | 'similar_text'; similarity: number | null }>();
      for (const s of similar) reasons.set(s.id, { reason: 'similar_text', similarity: Math.round(s.sim * 1000) / 1000 });
      for (const s of sameTipster) reasons.set(s.id, { reason: 'same_tipster', similarity: reasons.get(s.id)?.similarity ?? null });
      if (reasons.size === 0) return { related: [] };
      const rows = await prisma.$queryRaw<SummaryRow[]>(
        summarySql([Prisma.sql`t.id = ANY(${[...reasons.keys()]}::uuid[])`], orderBy('newest'), null),
      );
      const related = rows.map((r) => ({ ...toSummary(r, viewer), ...reasons.get(r.id)! }));
      related.sort((a, b) => (a.reason === b.reason ? (b.similarity ?? 0) - (a.similarity ?? 0) : a.reason === 'same_tipster' ? -1 : 1));
      return { related };
    },

    async leads(viewer: AuthUser) {
      const [mine, pool] = await Promise.all([
        prisma.$queryRaw<SummaryRow[]>(
          summarySql(
            [Prisma.sql`t.assignee_id = ${viewer.id}::uuid`, Prisma.sql`t.status = ANY(${['ASSIGNED', 'CLAIMED', 'IN_PROGRESS']}::"TipStatus"[])`],
            Prisma.sql`t.last_activity_at DESC, t.id DESC`,
            200,
          ),
        ),
        prisma.$queryRaw<SummaryRow[]>(
          summarySql([Prisma.sql`t.status = 'TRIAGED'::"TipStatus"`, Prisma.sql`t.assignee_id IS NULL`], orderBy('priority'), 200),
        ),
      ]);
      return { mine: mine.map((r) => toSummary(r, viewer)), pool: pool.map((r) => toSummary(r, viewer)) };
    },

    async events(viewer: AuthUser, id: string) {
      await visibleTip(viewer, id);
      return { events: await eventsOf(id) };
    },

    async stats() {
      const now = clock.now();
      const rows = await prisma.$queryRaw<{ status: string | null; category: string | null; channel: string | null; g: number; n: number }[]>`
        SELECT status::text, category::text, channel::text, GROUPING(status, category, channel)::int AS g, count(*)::int AS n
        FROM tip GROUP BY GROUPING SETS ((status), (category), (channel))`;
      const byStatus: Record<string, number> = Object.fromEntries(
        ['NEW', 'TRIAGED', 'ASSIGNED', 'CLAIMED', 'IN_PROGRESS', 'PUBLISHED', 'DISMISSED', 'MERGED'].map((s) => [s, 0]),
      );
      const byCategory: Record<string, number> = { household: 0, neighborhood: 0, community: 0, none: 0 };
      const byChannel: Record<string, number> = { EMAIL: 0, SMS: 0, VOICE: 0, WEB: 0 };
      let total = 0;
      // GROUPING bits: 4 = status rolled up, 2 = category, 1 = channel.
      for (const r of rows) {
        if (r.g === 3) {
          byStatus[r.status!] = r.n;
          total += r.n;
        } else if (r.g === 5) byCategory[fromDbCategory(r.category) ?? 'none'] = r.n;
        else if (r.g === 6) byChannel[r.channel!] = r.n;
      }
      const [oldest, returned] = await Promise.all([
        prisma.tip.findFirst({ where: { status: 'NEW' }, orderBy: { createdAt: 'asc' }, select: { id: true, reference: true, createdAt: true } }),
        prisma.tip.count({ where: { status: 'TRIAGED', returnedToPoolAt: { not: null } } }),
      ]);
      return {
        total,
        byStatus,
        byCategory,
        byChannel,
        returnedToPool: returned,
        oldestUntriaged: oldest
          ? {
              ...oldest,
              createdAt: oldest.createdAt.toISOString(),
              ageSeconds: Math.max(0, Math.floor((now.getTime() - oldest.createdAt.getTime()) / 1000)),
            }
          : null,
      };
    },

    async attachment(viewer: AuthUser, id: string) {
      const a = await prisma.attachment.findUnique({
        where: { id },
        select: {
          filename: true,
          contentType: true,
          dangerous: true,
          state: true,
          tip: { select: { assigneeId: true } },
          blob: { select: { data: true } },
        },
      });
      if (!a) throw AppError.notFound('Attachment');
      if (!isEditor(viewer) && (!a.tip || a.tip.assigneeId !== viewer.id)) {
        throw new AppError('FORBIDDEN', 'Reporters open attachments only of leads assigned to or claimed by them');
      }
      if (a.state !== 'STORED' || !a.blob) throw new AppError('NOT_FOUND', `The attachment's bytes are not stored (${a.state.toLowerCase()})`);
      return { filename: a.filename, contentType: a.contentType, dangerous: a.dangerous, data: Buffer.from(a.blob.data) };
    },
  };
}
export type TriageService = ReturnType<typeof triageService>;

export const RELATED_WINDOW_DAYS = 14;
export const RELATED_MIN_SIMILARITY = 0.2;
export const RELATED_MAX_CANDIDATES = 2000;

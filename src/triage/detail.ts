import type { ReplyTip } from '../channels/types.js';
import type { Deps } from '../deps.js';
import { replySender } from '../messaging/reply.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { Prisma, type Tx } from '../db/prisma.js';
import { tipVisible, allowedTransitions, contactVisible, presentMessages, presentTipster } from './policy.js';
import { orderBy, summarySql, toSummary, type SummaryRow } from './tip-query.js';
import type { TipDetail } from './triage.schema.js';
import { tipNotFound, userRef, iso, messageSelect } from './common.js';
import { placeSelect, placeView } from './place.js';

// Reading one tip: everything the tip view shows, with contacts masked by policy.ts.

/** Whether a reply can go out now and on which channel, so the reply box can say so before the editor types. */
async function replyStatus(deps: Deps, tip: ReplyTip) {
  const sender = replySender(tip);
  if (!sender) return { channel: null, ok: false, reason: 'no_contact', message: 'This tipster left no contact to reply to' };
  const check = await sender.check(deps, tip);
  if (!check.ok) return { channel: sender.channel, ok: false, reason: check.reason, message: check.message };
  return { channel: sender.channel, ok: true, reason: check.warning?.reason ?? null, message: check.warning?.message ?? null };
}

const tipsterFields = { displayName: true, phone: true, email: true } as const;

async function summaryRow(db: Tx, id: string): Promise<SummaryRow | null> {
  const rows = await db.$queryRaw<SummaryRow[]>(summarySql([Prisma.sql`t.id = ${id}::uuid`], orderBy('newest'), 1));
  return rows[0] ?? null;
}

export async function tipDetail(deps: Deps, viewer: AuthUser, id: string): Promise<TipDetail> {
  const { prisma } = deps;
  const row = await summaryRow(prisma, id);
  if (!row) throw tipNotFound();
  if (!tipVisible(viewer, { status: row.status, assigneeId: row.assignee_id })) {
    throw new AppError('FORBIDDEN', 'This lead is not yours: reporters see their own leads and the open pool');
  }
  const [tip, messages, attachments, notes, events, mergedFrom, links] = await Promise.all([
    prisma.tip.findUnique({
      where: { id },
      select: {
        id: true,
        reference: true,
        channel: true,
        subject: true,
        body: true,
        incidentTypes: true,
        ...placeSelect,
        tipsterId: true,
        tipster: { select: { phone: true, email: true, wechatOpenId: true, smsOptOut: true } },
      },
    }),
    prisma.message.findMany({
      where: { tipId: id },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      select: messageSelect,
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
    eventsOf(deps, id),
    prisma.tip.findMany({
      where: { mergedIntoId: id },
      orderBy: { createdAt: 'asc' },
      select: { id: true, reference: true, channel: true, createdAt: true, tipster: { select: tipsterFields } },
    }),
    prisma.tipTipster
      .findMany({ where: { tipId: id }, orderBy: { createdAt: 'asc' }, select: { tipsterId: true } })
      .then((l) => prisma.tipster.findMany({ where: { id: { in: l.map((x) => x.tipsterId) } }, select: { id: true, ...tipsterFields } })),
  ]);
  const visible = contactVisible(viewer, { status: row.status, assigneeId: row.assignee_id });
  const present = (t: { displayName: string | null; phone: string | null; email: string | null } | null) => presentTipster(visible, t);
  // Which merge brought each message in: the survivor's merge records list the moved ids (newest wins).
  const sources = new Map(mergedFrom.map((m) => [m.id, { tipId: m.id, reference: m.reference, tipster: present(m.tipster) }]));
  const origin = new Map<string, { tipId: string; reference: string; tipster: ReturnType<typeof present> }>();
  for (const e of events) {
    if (e.action !== 'tip.merged_from') continue;
    const after = e.after as { sourceId?: string; movedIds?: { messages?: string[] } } | null;
    const src = after?.sourceId ? sources.get(after.sourceId) : undefined;
    if (src) for (const mid of after?.movedIds?.messages ?? []) origin.set(mid, src);
  }
  const att = attachments.map((a) => ({ ...a, url: `/api/attachments/${a.id}` }));
  const summary = toSummary(row, viewer);
  return {
    ...summary,
    body: tip?.body ?? '',
    messages: presentMessages(viewer, { status: row.status, assigneeId: row.assignee_id }, messages).map((m) => ({
      ...m,
      createdAt: m.createdAt.toISOString(),
      sentAt: iso(m.sentAt),
      attachments: att.filter((a) => a.messageId === m.id),
      origin: origin.get(m.id) ?? null,
    })),
    attachments: att,
    notes: notes.map((n) => ({ ...n, createdAt: n.createdAt.toISOString() })),
    events,
    mergedFrom: mergedFrom.map((m) => ({ ...m, createdAt: m.createdAt.toISOString(), tipster: present(m.tipster) })),
    otherTipsters: links.filter((l) => l.id !== tip?.tipsterId).map((l) => present(l)),
    allowedTransitions: allowedTransitions(viewer, summary.status, row.assignee_id),
    reply: tip ? await replyStatus(deps, tip) : { channel: null, ok: false, reason: 'no_contact', message: null },
    place: tip ? placeView(tip) : placeView(null),
    incidentTypes: tip?.incidentTypes ?? [],
  };
}

export async function eventsOf(deps: Deps, tipId: string) {
  const { prisma } = deps;
  const rows = await prisma.auditEvent.findMany({
    where: { tipId },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    take: 1000,
    select: { id: true, action: true, before: true, after: true, createdAt: true, actor: userRef },
  });
  return rows.map((e) => ({ ...e, createdAt: e.createdAt.toISOString() }));
}

export async function visibleTip(deps: Deps, viewer: AuthUser, id: string) {
  const { prisma } = deps;
  const tip = await prisma.tip.findUnique({ where: { id }, select: { id: true, status: true, assigneeId: true } });
  if (!tip) throw tipNotFound();
  if (!tipVisible(viewer, tip)) throw new AppError('FORBIDDEN', 'This lead is not yours: reporters see their own leads and the open pool');
  return tip;
}

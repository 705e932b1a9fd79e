import { Prisma } from '../db/prisma.js';
import { AppError } from '../errors.js';
import type { AuthUser } from '../users/users.schema.js';
import { contactVisible, presentTipster } from './policy.js';
import {
  fromDbCategory,
  fromDbPriority,
  toDbCategory,
  toDbPriority,
  type ListTipsQuery,
  type TipSummary,
  type ChannelValue,
  type TipStatus,
} from './triage.schema.js';

// SQL for the tip lists. Raw SQL on purpose: keyset pagination over (created_at, id),
// a trigram ILIKE and a LIMIT applied before the joins are what keep the list fast at a
// million tips, and the benchmark runs this very SQL through pg as its baseline.

export type Sort = ListTipsQuery['sort'];
export type TipFilter = Omit<ListTipsQuery, 'sort' | 'cursor' | 'limit'>;

const REFERENCE_ONLY = /^T-\d{6}-\d{4,}$/i;

export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

const isDateOnly = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s);

/** WHERE conditions for the list filters; `viewerId` resolves assigneeId=me. */
export function filterConditions(f: TipFilter, opts: { timeZone: string; viewerId?: string; statusInBranches?: boolean }): Prisma.Sql[] {
  const c: Prisma.Sql[] = [];
  if (opts.statusInBranches) {
    /* the caller puts one status in each UNION ALL branch */
  } else if (f.status?.length === 1) c.push(Prisma.sql`t.status = ${f.status[0]}::"TipStatus"`);
  // Several statuses: see statusBranches.
  else if (f.status?.length) c.push(Prisma.sql`t.status = ANY(${f.status}::"TipStatus"[])`);
  // Merged tips are shells pointing at their survivor: hidden unless asked for.
  else c.push(Prisma.sql`t.status <> 'MERGED'::"TipStatus"`);
  if (f.category?.length) {
    const named = f.category.filter((x) => x !== 'none').map((x) => toDbCategory(x));
    const parts: Prisma.Sql[] = [];
    if (named.length === 1) parts.push(Prisma.sql`t.category = ${named[0]}::"Category"`);
    else if (named.length) parts.push(Prisma.sql`t.category = ANY(${named}::"Category"[])`);
    if (f.category.includes('none')) parts.push(Prisma.sql`t.category IS NULL`);
    c.push(parts.length === 1 ? parts[0] : Prisma.sql`(${Prisma.join(parts, ' OR ')})`);
  }
  if (f.channel?.length === 1) c.push(Prisma.sql`t.channel = ${f.channel[0]}::"Channel"`);
  else if (f.channel?.length) c.push(Prisma.sql`t.channel = ANY(${f.channel}::"Channel"[])`);
  if (f.priority?.length === 1) c.push(Prisma.sql`t.priority = ${toDbPriority(f.priority[0])}::"Priority"`);
  else if (f.priority?.length) c.push(Prisma.sql`t.priority = ANY(${f.priority.map(toDbPriority)}::"Priority"[])`);
  if (f.assigneeId === 'none') c.push(Prisma.sql`t.assignee_id IS NULL`);
  else if (f.assigneeId === 'me') c.push(Prisma.sql`t.assignee_id = ${opts.viewerId ?? null}::uuid`);
  else if (f.assigneeId) c.push(Prisma.sql`t.assignee_id = ${f.assigneeId}::uuid`);
  // Date-only bounds are whole days on the newsroom's calendar.
  if (f.from) {
    c.push(
      isDateOnly(f.from)
        ? Prisma.sql`t.created_at >= (${f.from}::date)::timestamp AT TIME ZONE ${opts.timeZone}`
        : Prisma.sql`t.created_at >= ${new Date(f.from)}`,
    );
  }
  if (f.to) {
    c.push(
      isDateOnly(f.to)
        ? Prisma.sql`t.created_at < (${f.to}::date + 1)::timestamp AT TIME ZONE ${opts.timeZone}`
        : Prisma.sql`t.created_at < ${new Date(f.to)}`,
    );
  }
  const q = f.q?.trim();
  if (q) {
    // A reference code read out on the phone goes straight to the unique index.
    if (REFERENCE_ONLY.test(q)) c.push(Prisma.sql`t.reference = ${q.toUpperCase()}`);
    // pg_trgm's GIN index serves ILIKE '%…%' from 3 characters on (Chinese too, in a UTF-8
    // database); 1–2 character queries still answer correctly, by scanning in list order.
    // A query without cased letters (Chinese, digits) gets LIKE: same answer, several times
    // cheaper per row than ILIKE's case folding of multibyte text.
    else if (/^\+?[\d\s-]{4,}$/.test(q)) {
      // Digits may be a phone number read out by the desk (the merge picker's "find by phone"):
      // the tip's text, or its tipster's number (the list is editors only, who see numbers).
      const digits = q.replace(/[\s+-]/g, '');
      c.push(
        Prisma.sql`(t.search_text LIKE ${`%${escapeLike(q)}%`} OR t.tipster_id IN (SELECT p.id FROM tipster p WHERE p.phone LIKE ${`%${digits}%`}))`,
      );
    } else if (q.toLowerCase() === q.toUpperCase()) c.push(Prisma.sql`t.search_text LIKE ${`%${escapeLike(q)}%`}`);
    else c.push(Prisma.sql`t.search_text ILIKE ${`%${escapeLike(q)}%`}`);
  }
  return c;
}

interface CursorData {
  s: Sort;
  c: string;
  i: string;
  p?: string;
}

export const encodeCursor = (d: CursorData) => Buffer.from(JSON.stringify(d)).toString('base64url');

export function decodeCursor(cursor: string, sort: Sort): CursorData {
  try {
    const d = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorData;
    if (d.s !== sort || typeof d.c !== 'string' || Number.isNaN(Date.parse(d.c)) || !/^[0-9a-f-]{36}$/i.test(d.i)) throw new Error('shape');
    if (sort === 'priority' && !['LOW', 'NORMAL', 'HIGH', 'URGENT'].includes(d.p ?? '')) throw new Error('shape');
    return d;
  } catch {
    throw new AppError('VALIDATION', 'Invalid query: cursor', {
      fields: [{ field: 'cursor', message: 'is not a cursor of this list and sort order' }],
    });
  }
}

export function keysetCondition(sort: Sort, cursor: string | undefined): Prisma.Sql | null {
  if (!cursor) return null;
  const d = decodeCursor(cursor, sort);
  const at = new Date(d.c);
  if (sort === 'oldest') return Prisma.sql`(t.created_at, t.id) > (${at}, ${d.i}::uuid)`;
  if (sort === 'priority') return Prisma.sql`(t.priority, t.created_at, t.id) < (${d.p}::"Priority", ${at}, ${d.i}::uuid)`;
  return Prisma.sql`(t.created_at, t.id) < (${at}, ${d.i}::uuid)`;
}

export function orderBy(sort: Sort): Prisma.Sql {
  if (sort === 'oldest') return Prisma.sql`t.created_at ASC, t.id ASC`;
  if (sort === 'priority') return Prisma.sql`t.priority DESC, t.created_at DESC, t.id DESC`;
  return Prisma.sql`t.created_at DESC, t.id DESC`;
}

export interface SummaryRow {
  id: string;
  reference: string;
  channel: string;
  status: string;
  category: string | null;
  suggested_category: string | null;
  suggestion_confidence: number | null;
  suggestion_terms: string[];
  priority: string;
  subject: string | null;
  excerpt: string;
  title: string | null;
  location: string | null;
  language: string | null;
  created_at: Date;
  last_activity_at: Date;
  claimed_at: Date | null;
  returned_to_pool_at: Date | null;
  merged_into_id: string | null;
  version: number;
  assignee_id: string | null;
  assignee_name: string | null;
  tipster_name: string | null;
  tipster_phone: string | null;
  tipster_email: string | null;
  message_count: number;
}

/**
 * Tip summaries: the filter, order and LIMIT run on `tip` alone (so an index walk stops
 * early), then the page is joined to tipster and user. `limit` null means no LIMIT.
 *
 * `branches` splits the query into one ordered, limited part per branch condition, merged
 * by UNION ALL. That is how `status IN (NEW, TRIAGED, ASSIGNED) ORDER BY created_at LIMIT 50`
 * stays fast: each status walks its own (status, created_at, id) index range and stops after
 * 50 rows, where one plan over the whole list would walk the time index past a million old,
 * closed tips to find the few open ones.
 */
export function summarySql(where: Prisma.Sql[], order: Prisma.Sql, limit: number | null, branches: Prisma.Sql[] = []): Prisma.Sql {
  const whereOf = (conds: Prisma.Sql[]) => (conds.length ? Prisma.sql`WHERE ${Prisma.join(conds, ' AND ')}` : Prisma.empty);
  const limitSql = limit === null ? Prisma.empty : Prisma.sql`LIMIT ${limit}`;
  const one = (conds: Prisma.Sql[]) => Prisma.sql`
      SELECT t.id, t.reference, t.channel, t.status, t.category, t.suggested_category, t.suggestion_confidence, t.suggestion_terms,
             t.priority, t.subject, left(t.body, 160) AS excerpt, t.title, t.location, t.language, t.created_at, t.last_activity_at,
             t.claimed_at, t.returned_to_pool_at, t.merged_into_id, t.version, t.assignee_id, t.tipster_id
      FROM tip t ${whereOf(conds)}
      ORDER BY ${order}
      ${limitSql}`;
  const inner =
    branches.length > 1 && limit !== null
      ? Prisma.sql`SELECT * FROM (${Prisma.join(
          branches.map((b) => Prisma.sql`(${one([b, ...where])})`),
          ' UNION ALL ',
        )}) t ORDER BY ${order} ${limitSql}`
      : one(branches.length === 1 ? [branches[0], ...where] : where);
  return Prisma.sql`
    SELECT t.id::text, t.reference, t.channel::text, t.status::text, t.category::text, t.suggested_category::text,
           t.suggestion_confidence, t.suggestion_terms, t.priority::text, t.subject, t.excerpt, t.title, t.location, t.language,
           t.created_at, t.last_activity_at, t.claimed_at, t.returned_to_pool_at, t.merged_into_id::text, t.version,
           t.assignee_id::text, u.display_name AS assignee_name,
           s.display_name AS tipster_name, s.phone AS tipster_phone, s.email AS tipster_email,
           (SELECT count(*)::int FROM message m WHERE m.tip_id = t.id) AS message_count
    FROM (${inner}) t
    LEFT JOIN tipster s ON s.id = t.tipster_id
    LEFT JOIN app_user u ON u.id = t.assignee_id
    ORDER BY ${order}`;
}

/** The list query exactly as GET /api/tips runs it (the benchmark's raw-SQL baseline uses it too). */
export function listSql(query: ListTipsQuery, opts: { timeZone: string; viewerId?: string }): Prisma.Sql {
  const multi = (query.status?.length ?? 0) > 1;
  const where = filterConditions(query, { ...opts, statusInBranches: multi });
  const keyset = keysetCondition(query.sort, query.cursor);
  if (keyset) where.push(keyset);
  const branches = multi ? query.status!.map((st) => Prisma.sql`t.status = ${st}::"TipStatus"`) : [];
  return summarySql(where, orderBy(query.sort), query.limit + 1, branches);
}

export function nextCursorOf(rows: SummaryRow[], query: Pick<ListTipsQuery, 'sort' | 'limit'>): string | null {
  if (rows.length <= query.limit) return null;
  const last = rows[query.limit - 1];
  return encodeCursor({ s: query.sort, c: last.created_at.toISOString(), i: last.id, ...(query.sort === 'priority' ? { p: last.priority } : {}) });
}

export function toSummary(r: SummaryRow, viewer: AuthUser): TipSummary {
  const visible = contactVisible(viewer, { status: r.status, assigneeId: r.assignee_id });
  return {
    id: r.id,
    reference: r.reference,
    channel: r.channel as ChannelValue,
    status: r.status as TipStatus,
    category: fromDbCategory(r.category),
    suggestedCategory: fromDbCategory(r.suggested_category),
    suggestionConfidence: r.suggestion_confidence,
    suggestionTerms: r.suggestion_terms ?? [],
    priority: fromDbPriority(r.priority),
    subject: r.subject,
    excerpt: r.excerpt,
    title: r.title,
    location: r.location,
    language: r.language,
    tipster: presentTipster(
      visible,
      r.tipster_name || r.tipster_phone || r.tipster_email ? { displayName: r.tipster_name, phone: r.tipster_phone, email: r.tipster_email } : null,
    ),
    assignee: r.assignee_id ? { id: r.assignee_id, displayName: r.assignee_name ?? '' } : null,
    createdAt: r.created_at.toISOString(),
    lastActivityAt: r.last_activity_at.toISOString(),
    claimedAt: r.claimed_at?.toISOString() ?? null,
    returnedToPoolAt: r.returned_to_pool_at?.toISOString() ?? null,
    mergedIntoId: r.merged_into_id,
    version: r.version,
    messageCount: r.message_count,
  };
}

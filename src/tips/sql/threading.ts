import { Prisma, type Tx } from '../../db/prisma.js';
import type { Category, Channel } from '../../generated/prisma/enums.js';

// Tip creation and threading (normalize jobs), and the tip.read job's writes.
// Prisma needs a round trip per row here (the tip, its tipster link, the message, the audit and
// desk events, the read job); inside the normalize transaction each trip held the submission's
// lock and a pooled connection. One statement each instead (docs/adr/0001-raw-sql.md).

/** The live stream's channel (src/audit/sql.ts DESK_CHANNEL) and the queue's (src/queue/sql.ts JOB_CHANNEL). */
export interface NotifyChannels {
  desk: string;
  jobs: string;
}

export interface InboundMessageRow {
  submissionId: string;
  channel: Channel;
  subject: string | null;
  body: string;
  fullBody: string | null;
  emailMessageId: string | null;
  kind: string;
  externalId: string | null;
  receivedAt: Date;
}

export interface TipInsert {
  /** A tip row the webhook made (it answered with its reference): filled in, keeping reference and creation time. */
  reservedTipId: string | null;
  /** The reference a webhook gave out for this tip (submission.reference); null: the day's next. */
  reference: string | null;
  /** YYMMDD of the reference a new tip gets (tip_reference_next). */
  day: string;
  language: string;
  tipsterId: string | null;
  location: string | null;
  message: InboundMessageRow;
  /** The reading job queued with the tip (kind, attempts). */
  readJob: string;
  notify: NotifyChannels;
}

export interface InsertedTip {
  id: string;
  reference: string;
  subject: string | null;
  body: string;
  location: string | null;
  messageId: string;
}

/**
 * A new tip (or the webhook's reserved row filled in), its tipster link, its first message, the
 * tip.created audit and desk events and its reading job, in one statement. searchText is set
 * here so the tip is found by its text before it is read.
 */
export async function insertTip(tx: Tx, p: TipInsert): Promise<InsertedTip> {
  const m = p.message;
  const rows = await tx.$queryRaw<(Omit<InsertedTip, 'messageId'> & { message_id: string })[]>`
    WITH reserved AS (
      UPDATE tip SET channel = ${m.channel}::"Channel", subject = ${m.subject}, body = ${m.body}, language = ${p.language},
        tipster_id = ${p.tipsterId}::uuid, location = COALESCE(${p.location}, location),
        search_text = left(concat_ws(E'\n', reference, NULLIF(title, ''), NULLIF(${m.subject}, ''), NULLIF(COALESCE(${p.location}, location), ''),
                                     NULLIF(${m.body}, '')), 20000),
        last_activity_at = ${m.receivedAt}::timestamptz, read_at = NULL, updated_at = now()
      WHERE id = ${p.reservedTipId}::uuid
      RETURNING id, reference, subject, body, location),
    fresh AS (
      INSERT INTO tip (reference, channel, subject, body, language, tipster_id, location, search_text, created_at, last_activity_at)
      SELECT r.ref, ${m.channel}::"Channel", ${m.subject}, ${m.body}, ${p.language}, ${p.tipsterId}::uuid, ${p.location},
             left(concat_ws(E'\n', r.ref, NULLIF(${m.subject}, ''), NULLIF(${p.location}, ''), NULLIF(${m.body}, '')), 20000),
             ${m.receivedAt}::timestamptz, ${m.receivedAt}::timestamptz
      FROM (SELECT COALESCE(${p.reference}, tip_reference_next(${p.day})) AS ref WHERE ${p.reservedTipId}::uuid IS NULL) r
      RETURNING id, reference, subject, body, location),
    t AS (SELECT * FROM reserved UNION ALL SELECT * FROM fresh),
    link AS (
      INSERT INTO tip_tipster (tip_id, tipster_id) SELECT t.id, ${p.tipsterId}::uuid FROM t WHERE ${p.tipsterId}::uuid IS NOT NULL
      ON CONFLICT DO NOTHING),
    msg AS (${messageInsert(m, Prisma.sql`(SELECT id FROM t)`)}),
    aud AS (
      INSERT INTO audit_event (tip_id, action, after, created_at)
      SELECT t.id, 'tip.created', jsonb_build_object('reference', t.reference, 'channel', ${m.channel}::text), ${m.receivedAt}::timestamptz FROM t),
    desk AS (INSERT INTO desk_event (tip_id, action, created_at) SELECT t.id, 'tip.created', ${m.receivedAt}::timestamptz FROM t RETURNING id),
    job AS (INSERT INTO job (kind, payload, max_attempts) SELECT ${p.readJob}, jsonb_build_object('tipId', t.id::text), 0 FROM t RETURNING id)
    SELECT t.id::text AS id, t.reference, t.subject, t.body, t.location, (SELECT id::text FROM msg) AS message_id,
      (SELECT count(pg_notify(${p.notify.desk}, desk.id::text)) FROM desk) AS n1,
      (SELECT count(pg_notify(${p.notify.jobs}, ${p.readJob})) FROM job) AS n2
    FROM t`;
  const r = rows[0];
  if (!r) throw new Error(`reserved tip ${p.reservedTipId} does not exist`);
  return { id: r.id, reference: r.reference, subject: r.subject, body: r.body, location: r.location, messageId: r.message_id };
}

/** An acknowledgement sent by API (decided by the webhook, submission.meta.ack): its OUTBOUND message on the tip. */
export interface AckInsert {
  tipId: string;
  channel: Channel;
  to: string;
  body: string;
  /** Its send job: kind, attempts, unique key (this prefix and the message id). */
  job: string;
  maxAttempts: number;
  uniquePrefix: string;
  jobsChannel: string;
}

/** The acknowledgement's message and its send job in one statement (the workers are told at commit). */
export async function insertAck(tx: Tx, a: AckInsert): Promise<void> {
  await tx.$queryRaw`
    WITH m AS (
      INSERT INTO message (tip_id, direction, channel, body, to_address, delivery_state, kind)
      VALUES (${a.tipId}::uuid, 'OUTBOUND', ${a.channel}::"Channel", ${a.body}, ${a.to}, 'QUEUED', 'ack')
      RETURNING id),
    j AS (
      INSERT INTO job (kind, payload, max_attempts, unique_key)
      SELECT ${a.job}, jsonb_build_object('messageId', m.id::text), ${a.maxAttempts}::int, ${a.uniquePrefix} || m.id::text FROM m
      ON CONFLICT (unique_key) DO NOTHING
      RETURNING id)
    SELECT count(pg_notify(${a.jobsChannel}, ${a.job}))::int AS n FROM j`;
}

function messageInsert(m: InboundMessageRow, tipId: Prisma.Sql) {
  return Prisma.sql`
    INSERT INTO message (tip_id, submission_id, direction, channel, subject, body, full_body, email_message_id, kind, external_id, created_at)
    VALUES (${tipId}, ${m.submissionId}::uuid, 'INBOUND'::"Direction", ${m.channel}::"Channel", ${m.subject}, ${m.body}, ${m.fullBody},
            ${m.emailMessageId}, ${m.kind}, ${m.externalId}, ${m.receivedAt}::timestamptz)
    RETURNING id`;
}

export interface FollowUpTip {
  id: string;
  reference: string;
  subject: string | null;
  body: string;
  title: string | null;
  location: string | null;
  category: Category | null;
  messageId: string;
}

/**
 * A follow-up joins a tip in one statement: the message, the tip's activity and searchable text,
 * the tipster link, the message.received audit and desk events, and a job that adds the message's
 * search tokens (segmenting is CPU the intake path need not spend).
 */
export async function insertFollowUp(
  tx: Tx,
  p: { tipId: string; tipsterId: string | null; message: InboundMessageRow; readJob: string; notify: NotifyChannels },
) {
  const m = p.message;
  const rows = await tx.$queryRaw<(Omit<FollowUpTip, 'messageId'> & { message_id: string })[]>`
    WITH msg AS (${messageInsert(m, Prisma.sql`${p.tipId}::uuid`)}),
    t AS (
      UPDATE tip SET last_activity_at = ${m.receivedAt}::timestamptz, search_text = left(search_text || E'\n' || ${m.body}, 20000), updated_at = now()
      WHERE id = ${p.tipId}::uuid
      RETURNING id, reference, subject, body, title, location, category),
    link AS (
      INSERT INTO tip_tipster (tip_id, tipster_id) SELECT t.id, ${p.tipsterId}::uuid FROM t WHERE ${p.tipsterId}::uuid IS NOT NULL
      ON CONFLICT DO NOTHING),
    aud AS (
      INSERT INTO audit_event (tip_id, action, after, created_at)
      SELECT t.id, 'message.received', jsonb_build_object('messageId', (SELECT id::text FROM msg), 'channel', ${m.channel}::text),
             ${m.receivedAt}::timestamptz FROM t),
    desk AS (INSERT INTO desk_event (tip_id, action, created_at) SELECT t.id, 'message.received', ${m.receivedAt}::timestamptz FROM t RETURNING id),
    job AS (
      INSERT INTO job (kind, payload, max_attempts) SELECT ${p.readJob}, jsonb_build_object('tipId', t.id::text, 'what', 'tokens'), 0 FROM t RETURNING id)
    SELECT t.id::text AS id, t.reference, t.subject, t.body, t.title, t.location, t.category::text AS category, (SELECT id::text FROM msg) AS message_id,
      (SELECT count(pg_notify(${p.notify.desk}, desk.id::text)) FROM desk) AS n1,
      (SELECT count(pg_notify(${p.notify.jobs}, ${p.readJob})) FROM job) AS n2
    FROM t`;
  const r = rows[0];
  if (!r) throw new Error(`tip ${p.tipId} does not exist`);
  const { message_id, ...tip } = r;
  return { ...tip, messageId: message_id } as FollowUpTip;
}

/** Marks a tip's text as changed (a voicemail's transcript arrived) and queues its reading. */
export async function queueReading(tx: Tx, p: { tipId: string; readJob: string; notify: NotifyChannels }) {
  await tx.$queryRaw`
    WITH t AS (UPDATE tip SET read_at = NULL WHERE id = ${p.tipId}::uuid RETURNING id),
    job AS (INSERT INTO job (kind, payload, max_attempts) SELECT ${p.readJob}, jsonb_build_object('tipId', t.id::text), 0 FROM t RETURNING id)
    SELECT count(pg_notify(${p.notify.jobs}, ${p.readJob}))::int AS n FROM job`;
}

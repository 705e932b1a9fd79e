import type pg from 'pg';
import type { Channel } from '../generated/prisma/enums.js';

// Raw SQL of the channel-independent intake paths: the one-statement accept of a contact's
// message (the stored function comes from prisma/migrations/20261202080000_intake_fast_path).

export interface AcceptMessageParams {
  channel: Channel;
  externalId: string;
  params: unknown;
  meta: unknown;
  sizeBytes: number;
  contactKind: 'phone' | 'wechat';
  contact: string;
  control: 'stop' | 'start' | 'help' | null;
  isNew: boolean;
  reference: string | null;
  text: string;
  language: string;
  ratePerHour: number;
  followupDays: number;
  followupCutoff: Date;
  now: Date;
  day: string;
  jobKind: string;
  jobMaxAttempts: number;
}

export interface AcceptMessageRow {
  submission_id: string;
  created: boolean;
  route: 'new' | 'followup' | 'reference' | null;
  reference: string | null;
  tip_id: string | null;
  rate_limited: boolean;
  opted_out: boolean;
}

/** One round trip, one transaction (the statement's own, committed durably before it returns). */
export async function acceptMessageStatement(pool: pg.Pool, p: AcceptMessageParams): Promise<AcceptMessageRow> {
  const result = await pool.query<AcceptMessageRow>({
    // Named: parsed and planned once per connection.
    name: 'intake_accept_message',
    text: `SELECT submission_id::text, created, route, reference, tip_id::text, rate_limited, opted_out
      FROM intake_accept_message($1::"Channel", $2, $3::jsonb, $4::jsonb, $5::int, $6, $7, $8, $9::boolean, $10, $11, $12,
        $13::int, $14::int, $15::timestamptz, $16::timestamptz, $17, $18, $19::int)`,
    values: [
      p.channel,
      p.externalId,
      p.params === undefined ? null : JSON.stringify(p.params),
      p.meta === undefined ? null : JSON.stringify(p.meta),
      p.sizeBytes,
      p.contactKind,
      p.contact,
      p.control,
      p.isNew,
      p.reference,
      p.text,
      p.language,
      p.ratePerHour,
      p.followupDays,
      p.followupCutoff.toISOString(),
      p.now.toISOString(),
      p.day,
      p.jobKind,
      p.jobMaxAttempts,
    ],
  });
  const row = result.rows[0];
  if (!row) throw new Error(`submission ${p.channel}/${p.externalId} vanished during the store`);
  return row;
}

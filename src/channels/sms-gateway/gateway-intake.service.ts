import type { Deps } from '../../deps.js';
import { BLOCKED_REASON, isBlocked } from '../../privacy/blocks.js';
import type { Tx } from '../../db/prisma.js';
import { parseKeyword, type SmsKeyword } from '../../tips/keywords.js';
import { preallocateReference, routeByContact, type Route } from '../../tips/routing.js';
import { storeSubmissionIn, type Stored } from '../submissions.js';
import { queueControlReply, queueGatewaySms } from './gateway-outbound.service.js';
import { answerable, gatewayReplyText, normalizePhone } from './gateway.replies.js';
import type { Envelope, ReceivedPayload } from './gateway.schema.js';
import { phoneTime } from './phone-time.js';
import { linkSubmission, markSubmissionProcessed, setOptOut } from './sql.js';

// The sms:received webhook's transaction: the submission, the routing decision (new tip,
// follow-up, reference, 新/NEW) and the acknowledgement's OUTBOUND message and send job all
// commit together, like a Twilio SMS. The app cannot carry a reply in the webhook's answer,
// so the acknowledgement goes out through the gateway's REST API from a job.

export interface GatewayMeta {
  keyword: SmsKeyword | null;
  route?: Route;
  deviceId?: string;
  /** When the phone received it (its local time read in TIMEZONE), ISO; null when it did not say. */
  phoneReceivedAt: string | null;
}

export interface GatewayAccepted {
  submissionId: string;
  created: boolean;
  outcome: 'stored' | 'skipped' | 'duplicates';
  /** What was queued as an answer by this delivery. */
  answer: 'ack' | 'followup' | 'help' | 'stop' | 'start' | 'none';
}

const isControl = (k: SmsKeyword | null): k is 'stop' | 'start' | 'help' => k === 'stop' || k === 'start' || k === 'help';

export async function acceptReceived(deps: Deps, ev: Envelope, p: ReceivedPayload, raw: unknown): Promise<GatewayAccepted> {
  const phone = normalizePhone(p.phoneNumber);
  const kw = parseKeyword(p.message);
  const control = isControl(kw.keyword);
  const contact = { kind: 'phone', value: phone } as const;
  const at = phoneTime(p.receivedAt, deps.config.TIMEZONE);
  const meta: GatewayMeta = { keyword: kw.keyword, phoneReceivedAt: at ? at.toISOString() : null, ...(ev.deviceId ? { deviceId: ev.deviceId } : {}) };
  const reserved = control
    ? null
    : await preallocateReference(deps, { channel: 'SMS_GATEWAY', externalId: ev.id, contact, body: p.message, keyword: kw.keyword });
  let answer: GatewayAccepted['answer'] = 'none';
  const then = async (tx: Tx, s: Stored) => {
    // A redelivery stores nothing and queues nothing: the first delivery did both.
    if (!s.created) return;
    // A blocked sender's text is kept (SKIPPED, visible under intake) but makes no tip and gets no answer.
    if (!control && (await isBlocked(tx, phone))) {
      await tx.submission.update({ where: { id: s.id }, data: { state: 'SKIPPED', lastError: BLOCKED_REASON, processedAt: deps.clock.now() } });
      return;
    }
    if (control) {
      if (kw.keyword !== 'help') await setOptOut(tx, phone, kw.keyword === 'stop', deps.clock.now());
      await markSubmissionProcessed(tx, s.id, deps.clock.now());
      if (answerable(phone)) {
        await queueControlReply(tx, s.id, kw.keyword as 'help' | 'stop' | 'start');
        answer = kw.keyword as 'help' | 'stop' | 'start';
      }
      return;
    }
    const t = await routeByContact(tx, deps, {
      channel: 'SMS_GATEWAY',
      contact,
      body: p.message,
      keyword: kw.keyword,
      rest: kw.rest,
      ratePerHour: deps.config.SMS_RATE_LIMIT_PER_HOUR,
      reference: reserved,
      submissionId: s.id,
    });
    if (!t.linked) await linkSubmission(tx, s.id, t.tipId, t.rateLimited, t.route);
    // Floods get no automatic answer; opted-out numbers get nothing at all.
    if (t.rateLimited || t.optedOut || !answerable(phone)) return;
    const kind = t.route === 'new' ? 'new' : 'followup';
    await queueGatewaySms(tx, { tipId: t.tipId, to: phone, body: gatewayReplyText(deps.config, { kind, reference: t.reference }), kind: 'ack' });
    answer = kind === 'new' ? 'ack' : 'followup';
  };
  // A webhook's patience: under load the transaction waits for a connection rather than fail
  // (the app would retry, but a 500 is noise on the health page).
  const stored = await deps.prisma.$transaction(
    (tx) =>
      storeSubmissionIn(
        tx,
        {
          channel: 'SMS_GATEWAY',
          externalId: ev.id,
          params: raw,
          meta,
          sender: phone,
          sizeBytes: Buffer.byteLength(p.message),
          // Keywords are recorded, never turned into tips.
          state: control ? 'SKIPPED' : 'RECEIVED',
          lastError: control ? `${kw.keyword} keyword` : null,
        },
        then,
      ),
    { maxWait: 10_000, timeout: 12_000 },
  );
  return { submissionId: stored.id, created: stored.created, outcome: !stored.created ? 'duplicates' : control ? 'skipped' : 'stored', answer };
}

import type { Deps } from '../../deps.js';
import type { SmsKeyword } from '../../tips/keywords.js';
import type { DecisionMeta } from '../../tips/routing.js';
import { acceptContactMessage } from '../accept-message.js';
import { gatewayAck } from './gateway-outbound.service.js';
import { answerable, normalizePhone } from './gateway.replies.js';
import type { Envelope, ReceivedPayload } from './gateway.schema.js';
import { phoneTime } from './phone-time.js';

// The sms:received webhook's work, on the intake fast path (acceptContactMessage: one statement,
// one durable commit): the submission, the block check, the routing decision (new tip,
// follow-up, reference, 新/NEW), STOP/START/HELP, and the acknowledgement's OUTBOUND message and
// send job all commit together. The app cannot carry a reply in the webhook's answer, so the
// acknowledgement goes out through the gateway's REST API from a job.

export interface GatewayMeta extends DecisionMeta {
  keyword: SmsKeyword | null;
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

export async function acceptReceived(deps: Deps, ev: Envelope, p: ReceivedPayload, raw: unknown): Promise<GatewayAccepted> {
  const phone = normalizePhone(p.phoneNumber);
  const at = phoneTime(p.receivedAt, deps.config.TIMEZONE);
  const a = await acceptContactMessage(deps, {
    channel: 'SMS_GATEWAY',
    externalId: ev.id,
    contact: { kind: 'phone', value: phone },
    body: p.message,
    params: raw,
    meta: { phoneReceivedAt: at ? at.toISOString() : null, ...(ev.deviceId ? { deviceId: ev.deviceId } : {}) },
    ratePerHour: deps.config.SMS_RATE_LIMIT_PER_HOUR,
    // Service numbers and short codes get no automatic answer; floods and opted-out numbers get
    // none either (decided in the statement). A redelivery queues nothing: the first did.
    ack: answerable(phone) ? gatewayAck(deps.config, phone) : null,
  });
  let answer: GatewayAccepted['answer'] = 'none';
  if (a.acked) answer = a.control ? (a.keyword as 'help' | 'stop' | 'start') : a.route === 'new' ? 'ack' : 'followup';
  return { submissionId: a.submissionId, created: a.created, outcome: !a.created ? 'duplicates' : a.skipped ? 'skipped' : 'stored', answer };
}

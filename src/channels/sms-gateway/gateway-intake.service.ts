import type { Deps } from '../../deps.js';
import type { Submission } from '../../generated/prisma/client.js';
import type { SmsKeyword } from '../../tips/keywords.js';
import type { DecisionMeta } from '../../tips/routing.js';
import { storeContactMessage, type ContactMessage } from '../accept-message.js';
import { gatewayAck } from './gateway-outbound.service.js';
import { answerable, normalizePhone } from './gateway.replies.js';
import { storedReceived, type Envelope, type ReceivedPayload } from './gateway.schema.js';
import { phoneTime } from './phone-time.js';

// The sms:received webhook's work: the submission and its normalize job in one statement and one
// durable commit (storeContactMessage), nothing else. The app cannot carry a reply in the
// webhook's answer: the acknowledgement goes out through the gateway's REST API from a job anyway,
// so the decision (new tip, follow-up, reference, 新/NEW, STOP/START/HELP, a blocked sender, the
// hourly limit) waits for the normalize job too (decideGatewaySms, below), which takes it by the
// same rules and SQL as a webhook that must answer with the reference code (Twilio, WeChat), and
// queues the acknowledgement with the tip. docs/channels/sms-gateway.md ("Intake").

export interface GatewayMeta extends DecisionMeta {
  keyword: SmsKeyword | null;
  deviceId?: string;
  /** When the phone received it (its local time read in TIMEZONE), ISO; null when it did not say. */
  phoneReceivedAt: string | null;
}

export interface GatewayAccepted {
  /** null for a redelivery (the first delivery's submission stands). */
  submissionId: string | null;
  created: boolean;
  outcome: 'stored' | 'duplicates';
}

/** The message as the decision reads it: from the webhook's event, or rebuilt from the stored one. */
function gatewayMessage(deps: Deps, ev: Envelope, p: ReceivedPayload, raw: unknown): ContactMessage {
  const phone = normalizePhone(p.phoneNumber);
  const at = phoneTime(p.receivedAt, deps.config.TIMEZONE);
  return {
    channel: 'SMS_GATEWAY',
    externalId: ev.id,
    contact: { kind: 'phone', value: phone },
    body: p.message,
    params: raw,
    meta: { phoneReceivedAt: at ? at.toISOString() : null, ...(ev.deviceId ? { deviceId: ev.deviceId } : {}) },
    ratePerHour: deps.config.SMS_RATE_LIMIT_PER_HOUR,
    // Service numbers and short codes get no automatic answer; floods and opted-out numbers get
    // none either (decided in the statement).
    ack: answerable(phone) ? gatewayAck(deps.config, phone) : null,
  };
}

export async function acceptReceived(deps: Deps, ev: Envelope, p: ReceivedPayload, raw: unknown): Promise<GatewayAccepted> {
  const a = await storeContactMessage(deps, gatewayMessage(deps, ev, p, raw));
  return { submissionId: a.submissionId, created: a.created, outcome: a.created ? 'stored' : 'duplicates' };
}

/** The adapter's `decide`: a stored sms:received, for the normalize job to decide. */
export function decideGatewaySms(deps: Deps, sub: Submission): ContactMessage {
  const { envelope, payload } = storedReceived(sub.params);
  return gatewayMessage(deps, envelope, payload, sub.params);
}

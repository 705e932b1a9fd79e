import { adapterFor } from '../channels/index.js';
import type { OutboundRequest, ReplySender, ReplyTip } from '../channels/types.js';
import type { Tx } from '../db/prisma.js';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';

// A reply to the tipster goes out on the channel the tip came in on, through that channel's
// adapter. The OUTBOUND message is written first (QUEUED) and the adapter's send job updates
// its delivery state, so the thread shows it. A tip whose channel cannot answer (a web form)
// is answered on the contact the tipster left: email first, else a text.

/** The sender that answers this tip, or null when nothing can. */
export function replySender(tip: ReplyTip): ReplySender | null {
  const own = adapterFor(tip.channel)?.reply?.(tip);
  if (own) return own;
  const contact = tip.tipster?.email ? 'EMAIL' : tip.tipster?.phone ? 'SMS' : null;
  return contact ? (adapterFor(contact)?.reply?.(tip) ?? null) : null;
}

export async function queueReply(tx: Tx, deps: Deps, o: OutboundRequest): Promise<{ id: string; channel: ReplySender['channel'] }> {
  const sender = replySender(o.tip);
  if (!sender) throw new AppError('CONFLICT', 'This tipster left no contact to reply to', { reason: 'no_contact' });
  const check = await sender.check(deps, o.tip);
  if (!check.ok) throw new AppError('CONFLICT', check.message, { reason: check.reason });
  const m = await sender.queue(tx, deps, o);
  return { id: m.id, channel: sender.channel };
}

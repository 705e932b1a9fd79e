import { createHash } from 'node:crypto';
import type { PhotoRow } from '../../src/channels/web/sql.js';
import { acceptFollowUp, acceptTip } from '../../src/channels/web/web-intake.service.js';
import { validateFields } from '../../src/channels/web/web.schema.js';
import { statusKeyFromIdempotencyKey } from '../../src/channels/web/web.status.js';
import type { Deps } from '../../src/deps.js';
import { demoPng } from './png.js';
import type { BuildContext } from './submissions.js';
import type { DemoItem } from './week.data.js';

// A demo item posted through the web tip form's intake service, as the form's route calls it:
// the fields checked by the form's own validation, photos stored in the post's transaction, a
// follow-up sent from the status page its first post was given. Returns the stored submission's id.

/** The Idempotency-Key the form's script would have sent for this item (stable, so replays are the same post). */
const idempotencyKey = (item: DemoItem) => `demo-web-${item.key}`;

function photos(item: DemoItem, ctx: BuildContext): PhotoRow[] {
  return Array.from({ length: item.photos ?? 0 }, (_, i) => {
    const data = demoPng(ctx.seq * 10 + i);
    return {
      filename: `IMG_${2400 + ctx.seq * 10 + i}.png`,
      contentType: 'image/png',
      size: data.length,
      sha256: createHash('sha256').update(data).digest('hex'),
      data,
    };
  });
}

export async function postWebForm(deps: Deps, item: DemoItem, ctx: BuildContext): Promise<string> {
  const rows = photos(item, ctx);
  const key = idempotencyKey(item);
  if (ctx.parent) {
    const params = validateFields({ body: item.text }, 'followup', rows.length);
    await acceptFollowUp(deps, { statusKey: statusKeyFromIdempotencyKey(idempotencyKey(ctx.parent)), params, photos: rows, idempotencyKey: key });
  } else {
    const contact = item.from.includes('@') ? { email: item.from } : { phone: item.from };
    const params = validateFields({ body: item.text, location: item.location, name: item.name, ...contact, consent: true }, 'tip', rows.length);
    await acceptTip(deps, { params, photos: rows, idempotencyKey: key });
  }
  // The form's externalId for an Idempotency-Key (web-intake.service.ts): what the post stored.
  const externalId = `idem:${createHash('sha256').update(key).digest('hex')}`;
  const sub = await deps.prisma.submission.findUniqueOrThrow({ where: { channel_externalId: { channel: 'WEB', externalId } }, select: { id: true } });
  return sub.id;
}

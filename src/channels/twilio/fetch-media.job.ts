import { createHash } from 'node:crypto';
import type { Deps } from '../../deps.js';
import { PermanentJobError } from '../../errors.js';
import type { JobDefinition } from '../../queue/job.js';
import { FETCH_MEDIA_JOB, jobPayloads } from '../../queue/kinds.js';

/**
 * Whether a MediaUrl/RecordingUrl points at Twilio: https on twilio.com or a subdomain
 * (api.twilio.com, media.twilio.com), or the origin of TWILIO_API_BASE_URL (the loopback
 * stand-in in tests). The URL comes from a webhook's parameters; fetching anything else
 * would let whoever can get a webhook signed make this server fetch internal addresses.
 */
function isTwilioUrl(deps: Deps, url: URL): boolean {
  const apiBase = deps.config.TWILIO_API_BASE_URL;
  if (apiBase && new URL(apiBase).origin === url.origin) return true;
  return (
    url.protocol === 'https:' && (url.hostname === 'twilio.com' || url.hostname.endsWith('.twilio.com')) && (url.port === '' || url.port === '443')
  );
}

/** Twilio media and recordings need the account's credentials. */
function credentials(deps: Deps): string | null {
  const { TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: token } = deps.config;
  return sid && token ? `Basic ${Buffer.from(`${sid}:${token}`).toString('base64')}` : null;
}

/**
 * Downloads an attachment's bytes (MMS media, voicemail audio) from its sourceUrl and stores
 * them with their SHA-256. Over ATTACHMENT_MAX_BYTES the attachment is marked TOO_LARGE;
 * network and server errors retry with backoff (Twilio may still be processing a recording),
 * and the last failure marks it FAILED.
 */
export const fetchMediaJob: JobDefinition<typeof FETCH_MEDIA_JOB, Deps> = {
  id: FETCH_MEDIA_JOB,
  payload: jobPayloads[FETCH_MEDIA_JOB],
  maxAttempts: 8,
  async handler(deps, { attachmentId }, ctx) {
    const att = await deps.prisma.attachment.findUnique({ where: { id: attachmentId }, select: { state: true, sourceUrl: true, contentType: true } });
    if (!att) throw new PermanentJobError(`attachment ${attachmentId} does not exist`);
    if (att.state !== 'PENDING') return;
    if (!att.sourceUrl) throw new PermanentJobError(`attachment ${attachmentId} has no source URL`);
    const max = deps.config.ATTACHMENT_MAX_BYTES;
    const fail = async (state: 'TOO_LARGE' | 'FAILED', error: string) => {
      await deps.prisma.attachment.update({ where: { id: attachmentId }, data: { state, error: error.slice(0, 500) } });
      deps.logger.warn({ attachment: attachmentId, state }, 'attachment not stored');
    };
    let url: URL;
    try {
      url = new URL(att.sourceUrl);
    } catch {
      return fail('FAILED', 'the media URL is not a URL');
    }
    if (!isTwilioUrl(deps, url)) return fail('FAILED', `refused: ${url.host} is not a Twilio host; media is fetched only from Twilio`);
    try {
      const auth = credentials(deps);
      // Twilio redirects media to a storage host; fetch drops Authorization on a cross-origin redirect.
      const res = await fetch(url, {
        headers: auth ? { authorization: auth } : {},
        redirect: 'follow',
        signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(60_000)]),
      });
      if (!res.ok || !res.body) {
        await res.body?.cancel();
        throw new Error(`media download answered HTTP ${res.status}`);
      }
      const declared = Number(res.headers.get('content-length') ?? NaN);
      if (declared > max) {
        await res.body.cancel();
        return fail('TOO_LARGE', `${declared} bytes is over the ${max}-byte limit (ATTACHMENT_MAX_BYTES)`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      const hash = createHash('sha256');
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > max) {
          await res.body.cancel().catch(() => {});
          return fail('TOO_LARGE', `over the ${max}-byte limit (ATTACHMENT_MAX_BYTES)`);
        }
        const b = Buffer.from(chunk);
        hash.update(b);
        chunks.push(b);
      }
      const data = Buffer.concat(chunks);
      const served = res.headers.get('content-type')?.split(';')[0].trim();
      await deps.prisma.$transaction(async (tx) => {
        await tx.attachmentBlob.upsert({ where: { attachmentId }, create: { attachmentId, data }, update: { data } });
        await tx.attachment.update({
          where: { id: attachmentId },
          data: {
            state: 'STORED',
            size,
            sha256: hash.digest('hex'),
            error: null,
            sourceUrl: null,
            // Twilio's declared type wins; the server's is used only when ours was a guess.
            ...(att.contentType === 'application/octet-stream' && served ? { contentType: served } : {}),
          },
        });
      });
      deps.logger.info({ attachment: attachmentId, size }, 'attachment stored');
    } catch (err) {
      if (ctx.attempt >= ctx.maxAttempts) await fail('FAILED', (err as Error).message);
      else
        await deps.prisma.attachment.update({
          where: { id: attachmentId },
          data: { error: `attempt ${ctx.attempt}: ${(err as Error).message}`.slice(0, 500) },
        });
      throw err;
    }
  },
};

import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Deps } from '../../deps.js';
import { PermanentJobError } from '../../errors.js';
import { FETCH_WECHAT_MEDIA_JOB, jobPayloads, type JobPayload } from '../../queue/kinds.js';
import type { JobDefinition } from '../../queue/job.js';
import { apiBase, WechatApiError, withToken } from './wechat-api.js';

export type FetchWechatMediaPayload = JobPayload<typeof FETCH_WECHAT_MEDIA_JOB>;

/** sourceKey of a WeChat attachment: `wechat-media:<MediaId>`; sourceUrl is the PicUrl fallback, if any. */
export const MEDIA_KEY = 'wechat-media:';

const REQUEST_MS = 60_000;

interface Downloaded {
  data: Buffer;
  contentType: string | null;
}

/**
 * Downloads a WeChat photo, voice message or video through the temporary-media API
 * (/cgi-bin/media/get, kept by WeChat for 3 days) and stores it. A photo whose media has
 * gone is taken from its PicUrl instead. Voice arrives as AMR, which browsers do not play:
 * it is converted to MP3 with ffmpeg when ffmpeg is installed, else kept as AMR.
 */
export const fetchWechatMediaJob: JobDefinition<typeof FETCH_WECHAT_MEDIA_JOB, Deps> = {
  id: FETCH_WECHAT_MEDIA_JOB,
  payload: jobPayloads[FETCH_WECHAT_MEDIA_JOB],
  maxAttempts: 8,
  async handler(deps, { attachmentId }, ctx) {
    const att = await deps.prisma.attachment.findUnique({
      where: { id: attachmentId },
      select: { state: true, sourceUrl: true, sourceKey: true, contentType: true, kind: true, filename: true },
    });
    if (!att) throw new PermanentJobError(`attachment ${attachmentId} does not exist`);
    if (att.state !== 'PENDING') return;
    const mediaId = att.sourceKey?.startsWith(MEDIA_KEY) ? att.sourceKey.slice(MEDIA_KEY.length) : null;
    const max = deps.config.ATTACHMENT_MAX_BYTES;
    const fail = async (state: 'TOO_LARGE' | 'FAILED', error: string) => {
      await deps.prisma.attachment.update({ where: { id: attachmentId }, data: { state, error: error.slice(0, 500) } });
      deps.logger.warn({ attachment: attachmentId, state }, 'WeChat attachment not stored');
    };
    let got: Downloaded;
    try {
      got = await download(deps, { mediaId, fallbackUrl: att.sourceUrl, max, signal: ctx.signal });
    } catch (err) {
      if (err instanceof TooLarge) return fail('TOO_LARGE', err.message);
      const permanent = err instanceof WechatApiError || err instanceof PermanentJobError;
      if (permanent || ctx.attempt >= ctx.maxAttempts) {
        await fail('FAILED', (err as Error).message);
        throw new PermanentJobError((err as Error).message);
      }
      await deps.prisma.attachment.update({
        where: { id: attachmentId },
        data: { error: `attempt ${ctx.attempt}: ${(err as Error).message}`.slice(0, 500) },
      });
      throw err;
    }
    let { data, contentType } = got;
    let filename = att.filename;
    if (att.kind === 'audio' && isAmr(data)) {
      const mp3 = await toMp3(data, ctx.signal).catch((err: Error) => {
        deps.logger.warn({ attachment: attachmentId, err: err.message }, 'AMR voice kept as AMR: could not convert it with ffmpeg');
        return null;
      });
      if (mp3) {
        data = mp3;
        contentType = 'audio/mpeg';
        filename = filename.replace(/\.[^.]*$/, '') + '.mp3';
      } else contentType = 'audio/amr';
    }
    const sha256 = createHash('sha256').update(data).digest('hex');
    const bytes = new Uint8Array(data);
    await deps.prisma.$transaction(async (tx) => {
      await tx.attachmentBlob.upsert({ where: { attachmentId }, create: { attachmentId, data: bytes }, update: { data: bytes } });
      await tx.attachment.update({
        where: { id: attachmentId },
        data: {
          state: 'STORED',
          size: data.length,
          sha256,
          error: null,
          filename,
          sourceUrl: null,
          ...(contentType && (att.contentType === 'application/octet-stream' || att.kind === 'audio') ? { contentType } : {}),
        },
      });
    });
    deps.logger.info({ attachment: attachmentId, size: data.length }, 'WeChat attachment stored');
  },
};

class TooLarge extends Error {}

async function download(
  deps: Deps,
  o: { mediaId: string | null; fallbackUrl: string | null; max: number; signal: AbortSignal },
): Promise<Downloaded> {
  if (o.mediaId) {
    try {
      return await withToken(deps, async (token) => {
        const url = `${apiBase(deps)}/cgi-bin/media/get?${new URLSearchParams({ access_token: token, media_id: o.mediaId! })}`;
        const res = await fetchBytes(url, o.max, o.signal);
        if (!isJson(res)) return res;
        // Errors come back as JSON, and so does a video: a second URL to fetch it from.
        const json = JSON.parse(res.data.toString('utf8')) as { errcode?: number; errmsg?: string; video_url?: string };
        if (json.errcode) throw new WechatApiError(json.errcode, json.errmsg ?? '');
        if (json.video_url) return fetchBytes(json.video_url, o.max, o.signal);
        throw new PermanentJobError('media/get answered JSON without a file');
      });
    } catch (err) {
      // Temporary media lives for 3 days; a photo also has a PicUrl that may still work.
      if (!(err instanceof WechatApiError) || !o.fallbackUrl) throw err;
      deps.logger.info({ code: err.code }, 'WeChat media/get refused; trying the PicUrl');
    }
  }
  if (o.fallbackUrl) return fetchBytes(o.fallbackUrl, o.max, o.signal);
  throw new PermanentJobError('the WeChat message has neither a MediaId nor a PicUrl');
}

const isJson = (d: Downloaded) => /^(application\/json|text\/plain)/i.test(d.contentType ?? '') && d.data.length < 64 * 1024 && d.data[0] === 0x7b;

async function fetchBytes(url: string, max: number, signal: AbortSignal): Promise<Downloaded> {
  const res = await fetch(url, { redirect: 'follow', signal: AbortSignal.any([signal, AbortSignal.timeout(REQUEST_MS)]) });
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    throw new Error(`media download answered HTTP ${res.status}`);
  }
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) {
    await res.body.cancel();
    throw new TooLarge(`${declared} bytes is over the ${max}-byte limit (ATTACHMENT_MAX_BYTES)`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > max) throw new TooLarge(`over the ${max}-byte limit (ATTACHMENT_MAX_BYTES)`);
    chunks.push(Buffer.from(chunk));
  }
  return { data: Buffer.concat(chunks), contentType: res.headers.get('content-type')?.split(';')[0].trim() ?? null };
}

/** AMR-NB files start with "#!AMR\n" (RFC 4867 storage format). */
export const isAmr = (b: Buffer) => b.subarray(0, 6).toString('latin1') === '#!AMR\n';

/** AMR → MP3 (mono, 32 kbit/s) through ffmpeg's stdin/stdout; rejects when ffmpeg is missing or fails. */
export function toMp3(amr: Buffer, signal: AbortSignal): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-f', 'amr', '-i', 'pipe:0', '-ac', '1', '-c:a', 'libmp3lame', '-b:a', '32k', '-f', 'mp3', 'pipe:1'],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        signal,
      },
    );
    const out: Buffer[] = [];
    let err = '';
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    p.on('error', reject);
    p.on('close', (code) =>
      code === 0 && out.length ? resolve(Buffer.concat(out)) : reject(new Error(`ffmpeg exited ${code}: ${err.slice(0, 200)}`)),
    );
    p.stdin.on('error', () => {});
    p.stdin.end(amr);
  });
}

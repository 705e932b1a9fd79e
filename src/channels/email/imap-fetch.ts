import type { FetchMessageObject, ImapFlow } from 'imapflow';
import type { Logger } from '../../logger.js';
import { describeError } from './imap-connection.js';
import { sequenceSet, singleFetch, type FetchFailures, type Planned } from './imap-fetch-plan.js';

// Downloading a planned batch: many small messages in one FETCH, a large one streamed into one
// buffer, an oversized one by its headers only, and a message that kept killing the connection
// not at all (it is recorded as poison instead).

export type Fetched =
  | { kind: 'raw'; item: Planned; raw: Buffer }
  | { kind: 'oversized'; item: Planned; header: Buffer | null; size: number }
  | { kind: 'poison'; item: Planned; reason: string }
  | { kind: 'gone'; item: Planned };

/** The header block of a raw message (up to the first empty line; the first 64 KiB when there is none). */
export function headerBlock(raw: Buffer): Buffer {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
  return raw.subarray(0, end >= 0 ? end : Math.min(raw.length, 64 * 1024));
}

export interface FetchOptions {
  failures: FetchFailures;
  log: Logger;
  /** IMAP_MAX_MESSAGE_BYTES */
  maxMessageBytes: number;
  maxFetchAttempts: number;
  smallMessageBytes: number;
}

/** Downloads one planned batch; a failure that may be the message's fault is counted against its messages. */
export async function download(client: ImapFlow, batch: Planned[], uidValidity: bigint, o: FetchOptions): Promise<Fetched[]> {
  const limit = o.maxMessageBytes;
  const countFailure = () =>
    o.failures.add(
      uidValidity,
      batch.map((it) => it.uid),
    );
  if (batch.length === 1) {
    const it = batch[0];
    const tries = o.failures.get(uidValidity, it.uid);
    const how = singleFetch(it, tries, o);
    if (how === 'gone') return [{ kind: 'gone', item: it }];
    if (how === 'poison') {
      return [
        {
          kind: 'poison',
          item: it,
          reason: `the IMAP server failed ${tries} times while sending this message (UID ${it.uid}); it was not downloaded and stays in the mailbox`,
        },
      ];
    }
    if (how === 'headers') return [{ kind: 'oversized', item: it, header: await fetchHeader(client, it.uid, o.log), size: it.size }];
    if (how === 'stream') {
      try {
        return [await streamOne(client, it, limit)];
      } catch (err) {
        countFailure();
        throw err;
      }
    }
  }
  let got: FetchMessageObject[];
  try {
    got = await client.fetchAll(sequenceSet(batch.map((b) => b.uid)), { uid: true, source: true }, { uid: true });
  } catch (err) {
    countFailure();
    throw err;
  }
  const byUid = new Map(got.map((m) => [m.uid, m.source]));
  return batch.map((item): Fetched => {
    const raw = byUid.get(item.uid);
    return raw ? { kind: 'raw', item, raw } : { kind: 'gone', item };
  });
}

/** Streams one message into one buffer of its announced size, giving up (and dropping the bytes) past the size limit. */
async function streamOne(client: ImapFlow, it: Planned, limit: number): Promise<Fetched> {
  const dl = await client.download(String(it.uid), undefined, { uid: true, maxBytes: limit + 1, chunkSize: 1024 * 1024 });
  if (!('content' in dl) || !dl.content) return { kind: 'gone', item: it };
  let buf = Buffer.allocUnsafe(Math.min(Math.max(it.size, 0), limit));
  let size = 0;
  let header: Buffer | null = null;
  for await (const chunk of dl.content as AsyncIterable<Buffer>) {
    if (header === null && size + chunk.length > limit) {
      header = Buffer.from(headerBlock(Buffer.concat([buf.subarray(0, Math.min(size, 65_536)), chunk.subarray(0, 65_536)])));
      buf = Buffer.alloc(0);
    }
    if (header === null) {
      if (size + chunk.length > buf.length) {
        // The server announced fewer bytes than it sends: grow, never past the limit.
        const grown = Buffer.allocUnsafe(Math.min(limit, Math.max(buf.length * 2, size + chunk.length)));
        buf.copy(grown, 0, 0, size);
        buf = grown;
      }
      chunk.copy(buf, size);
    }
    size += chunk.length;
  }
  if (header !== null) return { kind: 'oversized', item: it, header, size };
  return { kind: 'raw', item: it, raw: size === buf.length ? buf : buf.subarray(0, size) };
}

async function fetchHeader(client: ImapFlow, uid: number, log: Logger): Promise<Buffer | null> {
  try {
    const m = await client.fetchOne(String(uid), { uid: true, headers: true }, { uid: true });
    return m && m.headers ? m.headers : null;
  } catch (err) {
    log.warn({ uid, err: describeError(err) }, 'could not fetch the headers of an oversized message');
    if (!client.usable) throw err;
    return null;
  }
}

import { createHash } from 'node:crypto';
import type { RawSql } from '../../db/raw-tx.js';
import { storeSubmissionIn, type NewSubmission, type Stored } from '../submissions.js';

// When is a mail one we already have? Its Message-ID alone does not say: form and survey tools
// stamp every submission with one constant id (<xxxx@xxxx.com>), broken clients reuse theirs.
// A mail is a redelivery only when its Message-ID AND its content match a stored one. The
// content is compared as a hash of the headers that make the message (not the trace headers
// each server adds on the way) and the body, with line endings and trailing blanks normalized.

// Headers written by the sender; Received, Return-Path, Delivered-To, X-* ... are added in transit.
const AUTHORED = new Set(['from', 'sender', 'reply-to', 'to', 'cc', 'subject', 'date', 'message-id', 'in-reply-to', 'references', 'mime-version']);

function split(raw: Buffer): { head: string; body: Buffer } {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
  if (end < 0) return { head: raw.toString('latin1'), body: Buffer.alloc(0) };
  return { head: raw.subarray(0, end).toString('latin1'), body: raw.subarray(end + (end === crlf ? 4 : 2)) };
}

/** The normalized content hash of a raw RFC 822 message (hex sha256). */
export function emailContentHash(raw: Buffer): string {
  const { head, body } = split(raw);
  const headers = head
    .replace(/\r\n/g, '\n')
    .replace(/\n[ \t]+/g, ' ')
    .split('\n')
    .map((line) => {
      const i = line.indexOf(':');
      return i > 0
        ? [
            line.slice(0, i).trim().toLowerCase(),
            line
              .slice(i + 1)
              .trim()
              .replace(/\s+/g, ' '),
          ]
        : null;
    })
    .filter((h): h is [string, string] => h !== null && (AUTHORED.has(h[0]) || h[0].startsWith('content-')))
    .map(([k, v]) => `${k}:${v}`);
  const text = body
    .toString('latin1')
    .replace(/\r\n/g, '\n')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\s+$/, '');
  return createHash('sha256').update(headers.join('\n')).update('\n\n').update(text, 'latin1').digest('hex');
}

/** The submission as stored under its Message-ID: the content hash in its meta. */
export function withContentHash(input: NewSubmission & { contentHash: string }): NewSubmission {
  const { contentHash, ...rest } = input;
  return { ...rest, meta: { ...(rest.meta as object | undefined), contentHash } };
}

/**
 * Stores a fetched mail under its Message-ID; when that id is taken by a mail with other
 * content, under `<id>#<hash>` instead (a new message). The content hash goes into meta so
 * later comparisons need not read the stored bytes.
 */
export async function storeEmailSubmission<T extends RawSql>(tx: T, input: NewSubmission & { contentHash: string }): Promise<Stored> {
  const { contentHash } = input;
  const submission = withContentHash(input);
  const first = await storeSubmissionIn(tx, submission);
  if (first.created) return first;
  const [row] = await tx.$queryRaw<{ hash: string | null; raw: Uint8Array | null }[]>`
    SELECT meta->>'contentHash' AS hash, CASE WHEN meta ? 'contentHash' THEN NULL ELSE raw END AS raw
    FROM submission WHERE id = ${first.id}::uuid`;
  // Rows stored before content hashes were kept: hashed from their bytes; without bytes (an
  // oversized mail recorded by its headers) the Message-ID is all there is to go by.
  const stored = row?.hash ?? (row?.raw ? emailContentHash(Buffer.from(row.raw)) : null);
  if (stored === null || stored === contentHash) return first;
  return storeSubmissionIn(tx, { ...submission, externalId: `${input.externalId}#${contentHash.slice(0, 16)}` });
}

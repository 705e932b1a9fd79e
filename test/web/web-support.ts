import { createHash, randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { leadingZeroBits } from '../../src/channels/web/web.challenge.js';

// Fixtures for the web form: real PNG bytes (what a phone camera roll would give, only
// smaller), multipart posts built with the platform's FormData, and the hashcash solver the
// page's script runs, done here in Node.

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/**
 * A valid RGB PNG. noise=true fills it with random pixels (incompressible, so its size is about
 * width×height×3 bytes); otherwise a flat colour.
 */
export function png(width: number, height: number, o: { noise?: boolean; rgb?: [number, number, number] } = {}): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const rows: Buffer[] = [];
  const [r, g, b] = o.rgb ?? [200, 40, 40];
  for (let y = 0; y < height; y++) {
    const row = o.noise ? randomBytes(width * 3 + 1) : Buffer.alloc(width * 3 + 1);
    row[0] = 0;
    if (!o.noise) for (let x = 0; x < width; x++) row.set([r, g, b], 1 + x * 3);
    rows.push(row);
  }
  const idat = deflateSync(Buffer.concat(rows), { level: o.noise ? 0 : 6 });
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A PNG of about `bytes` bytes. */
export const pngOfSize = (bytes: number) => png(Math.ceil(Math.sqrt(bytes / 3)), Math.ceil(Math.sqrt(bytes / 3)), { noise: true });

export interface FileSpec {
  name: string;
  type?: string;
  data: Buffer;
}

export function tipForm(fields: Record<string, string>, files: FileSpec[] = []): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  for (const f of files) fd.append('photos', new Blob([new Uint8Array(f.data)], { type: f.type ?? 'image/png' }), f.name);
  return fd;
}

export interface Posted {
  status: number;
  json: { reference?: string; statusUrl?: string; error?: { code: string; message: string; details?: { field?: string; zh?: string; en?: string } } };
  headers: Headers;
}

/** POST /api/public/tips (or a follow-up path) as a site or app would. */
export async function postApi(
  baseUrl: string,
  body: FormData | Record<string, unknown>,
  o: { path?: string; headers?: Record<string, string>; address?: string } = {},
): Promise<Posted> {
  const isForm = body instanceof FormData;
  const res = await fetch(`${baseUrl}${o.path ?? '/api/public/tips'}`, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      ...(isForm ? {} : { 'content-type': 'application/json' }),
      ...(o.address ? { 'x-forwarded-for': o.address } : {}),
      ...o.headers,
    },
    body: isForm ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : {}, headers: res.headers };
}

/** A fresh made-up address per test, so the per-address limit of one test does not touch another's. */
let n = 0;
export const address = () => `198.51.100.${++n}`;

export const statusPath = (statusUrl: string) => new URL(statusUrl).pathname;
export const keyOf = (statusUrl: string) => statusPath(statusUrl).split('/').pop()!;

/** What the page's script does: find a nonce whose SHA-256 with the challenge starts with `bits` zero bits. */
export function solve(challenge: string, bits: number): string {
  for (let nonce = 0; ; nonce++) {
    if (leadingZeroBits(createHash('sha256').update(`${challenge}:${nonce}`).digest()) >= bits) return String(nonce);
  }
}

export const TEXTS = {
  leak: '平城区大齿社区3号楼楼道里的暖气管漏水两天了，楼梯上结了冰，老人下楼很危险，物业说要等维修队。',
  followUp: '今天早上又有一位老人在楼梯上滑倒了，物业还没来修。',
  location: '平城区大齿社区3号楼',
};

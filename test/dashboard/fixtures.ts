import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import type { Deps } from '../../src/deps.js';
import type { Channel } from '../../src/generated/prisma/enums.js';

// Tips from the paper's world (平城区, 永泰街道, 大齿社区) and the media a resident sends.

export const TEXTS = {
  household: '永泰街道大齿社区3号楼，我家楼上漏水三天了，天花板都泡坏了，物业一直不管。',
  neighborhood: '楼道里堆满了杂物，邻居家的狗每天半夜叫，噪音太大了，老人孩子都睡不好。',
  community: '清远街道下周六上午在社区广场有义诊活动，还有志愿者帮老人量血压，欢迎记者来报道。',
  voicemail: '您好，我是平城区永泰街道的居民，我们小区的暖气一直不热，供暖公司说是管道问题，想请记者帮忙问问。',
  xss: '<script>window.__xss=1</script><img src=x onerror="window.__xss=2;alert(\'xss\')">楼道灯坏了一个月',
};

export const minutesAgo = (deps: Deps, n: number) => new Date(deps.clock.now().getTime() - n * 60_000);

/** A small solid-colour PNG, made here so the test needs no binary fixture files. */
export function png(width = 64, height = 48, rgb: [number, number, number] = [46, 111, 64]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array.from({ length: width }, () => rgb).flat())]);
  const raw = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Half a second of a quiet 440 Hz tone as 8 kHz 16-bit mono WAV (what a voicemail recording is, in miniature). */
export function wav(seconds = 0.5, rate = 8000): Buffer {
  const samples = Math.floor(seconds * rate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 3000), i * 2);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'ascii');
  h.writeUInt32LE(36 + data.length, 4);
  h.write('WAVEfmt ', 8, 'ascii');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(1, 22);
  h.writeUInt32LE(rate, 24);
  h.writeUInt32LE(rate * 2, 28);
  h.writeUInt16LE(2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'ascii');
  h.writeUInt32LE(data.length, 40);
  return Buffer.concat([h, data]);
}

/** Stores an attachment with its bytes on a message, as the intake jobs do once they have fetched the media. */
export async function attach(deps: Deps, tipId: string, messageId: string, a: { filename: string; contentType: string; data: Buffer; kind: string }) {
  return deps.prisma.attachment.create({
    data: {
      tipId,
      messageId,
      filename: a.filename,
      contentType: a.contentType,
      size: a.data.length,
      kind: a.kind,
      state: 'STORED',
      blob: { create: { data: new Uint8Array(a.data) } },
    },
  });
}

/** A further inbound message on a tip (a resident writing again on another channel). */
export async function inboundMessage(deps: Deps, tipId: string, m: { channel: Channel; body: string; subject?: string; kind?: string; at: Date }) {
  return deps.prisma.message.create({
    data: {
      tipId,
      direction: 'INBOUND',
      channel: m.channel,
      body: m.body,
      subject: m.subject ?? null,
      kind: m.kind ?? 'message',
      createdAt: m.at,
      externalId: `test-${randomBytes(6).toString('hex')}`,
    },
  });
}

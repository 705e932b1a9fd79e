import type { Tx } from '../../db/prisma.js';
import { FETCH_MEDIA_JOB } from '../../queue/kinds.js';
import { enqueue } from '../../queue/enqueue.js';

export interface PendingAttachment {
  tipId: string;
  messageId: string;
  submissionId: string;
  filename: string;
  contentType: string;
  kind: string;
  sourceUrl: string;
  sourceKey: string;
}

/** An attachment whose bytes a fetch-media job downloads later (never inside a webhook). */
export async function pendingAttachment(tx: Tx, a: PendingAttachment): Promise<string> {
  const att = await tx.attachment.create({ data: { ...a, state: 'PENDING', dangerous: isDangerousType(a.contentType) } });
  await enqueue(tx, FETCH_MEDIA_JOB, { attachmentId: att.id }, { maxAttempts: 8, uniqueKey: `fetch-media:${att.id}` });
  return att.id;
}

const EXT: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'image/bmp': 'bmp',
  'audio/mpeg': 'mp3',
  'audio/amr': 'amr',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'video/mp4': 'mp4',
  'video/3gpp': '3gp',
  'text/vcard': 'vcf',
  'text/x-vcard': 'vcf',
  'text/plain': 'txt',
  'application/pdf': 'pdf',
};
export const extensionFor = (ct: string) => EXT[ct.toLowerCase().split(';')[0].trim()] ?? 'bin';

/** Anything a browser might run or render as a page is served as a download only. */
export const isDangerousType = (ct: string) =>
  !/^(image\/(jpeg|png|gif|webp|heic|heif|bmp)|audio\/|video\/|text\/plain|text\/x?-?vcard|application\/pdf)/i.test(ct);

import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { fileTypeFromBuffer } from 'file-type';
import multer from 'multer';
import type { Config } from '../../config.js';
import { fieldError, IMAGE_TYPES, MAX_PHOTOS } from './web.schema.js';
import type { PhotoRow } from './sql.js';

// Photos arrive as multipart parts named `photos`, held in memory within the limits below
// (at most MAX_PHOTOS × ATTACHMENT_MAX_BYTES per request) and stored in the intake
// transaction. What a file is comes from its bytes, never from its name or declared type.

const mb = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MB`;

/** Multipart parsing with the form's limits; multer's refusals become bilingual 4xx naming the field. */
export function photoUpload(config: Config): RequestHandler {
  const max = config.ATTACHMENT_MAX_BYTES;
  const parse = multer({
    storage: multer.memoryStorage(),
    // Browsers send UTF-8 file names (照片.jpg) without saying so.
    defParamCharset: 'utf8',
    limits: { fileSize: max, files: MAX_PHOTOS, fields: 30, fieldSize: 64 * 1024, parts: MAX_PHOTOS + 30 },
  }).any();
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.is('multipart/form-data')) return next();
    parse(req, res, (err: unknown) => {
      if (!err) return next();
      if (!(err instanceof multer.MulterError)) return next(err);
      switch (err.code) {
        case 'LIMIT_FILE_SIZE':
          return next(fieldError('PAYLOAD_TOO_LARGE', 'photos', `每张照片不能超过 ${mb(max)}`, `photos: each photo must be at most ${mb(max)}`));
        case 'LIMIT_FILE_COUNT':
          return next(fieldError('VALIDATION', 'photos', `照片最多 ${MAX_PHOTOS} 张`, `photos: at most ${MAX_PHOTOS} photos`));
        case 'LIMIT_FIELD_VALUE':
          return next(fieldError('VALIDATION', err.field ?? 'body', '内容太长', `${err.field ?? 'a field'} is too long`));
        default:
          return next(fieldError('VALIDATION', err.field ?? 'form', '表单内容无法识别', `the form could not be read (${err.code})`));
      }
    });
  };
}

const EXT: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/heic': 'heic',
  'image/heif': 'heif',
  'image/avif': 'avif',
  'image/bmp': 'bmp',
};

/** A name safe to show and to offer as a download: no path, no control characters, the sniffed type's extension. */
function safeName(original: string, index: number, type: string): string {
  const base = (original.split(/[\\/]/).pop() ?? '')
    .replace(/[\u0000-\u001f\u007f"<>]/g, '')
    .replace(/\.[A-Za-z0-9]{1,5}$/, '')
    .trim()
    .slice(0, 80);
  return `${base || `photo-${index + 1}`}.${EXT[type] ?? 'img'}`;
}

/** The request's photos, each sniffed by its bytes; a part under another name, or a non-image, refuses the whole post. */
export async function photosOf(req: Request): Promise<PhotoRow[]> {
  const files = (Array.isArray(req.files) ? req.files : []) as Express.Multer.File[];
  const out: PhotoRow[] = [];
  for (const [i, f] of files.entries()) {
    if (f.fieldname !== 'photos')
      throw fieldError('VALIDATION', f.fieldname, '只能上传照片（photos）', `files are accepted only as photos, not ${f.fieldname}`);
    if (f.size === 0) continue; // an empty file input posts an empty part
    const type = await fileTypeFromBuffer(f.buffer);
    if (!type || !IMAGE_TYPES.has(type.mime)) {
      throw fieldError(
        'UNSUPPORTED_MEDIA_TYPE',
        'photos',
        `第 ${i + 1} 个文件不是图片，只能上传照片（JPEG、PNG、HEIC 等）`,
        `photos: file ${i + 1} is not an image (JPEG, PNG, HEIC and the like are accepted)`,
      );
    }
    out.push({
      filename: safeName(f.originalname, i, type.mime),
      contentType: type.mime,
      size: f.size,
      sha256: createHash('sha256').update(f.buffer).digest('hex'),
      data: f.buffer,
    });
  }
  return out;
}

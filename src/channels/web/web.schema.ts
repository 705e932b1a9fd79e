import { z } from 'zod';
import { AppError, type ErrorCode } from '../../errors.js';

// The form's fields as the page, the paper's site or its app post them (multipart fields, a
// JSON body, or a plain form post without photos). Every refusal names its field in Chinese
// and English: the page shows the Chinese or English half, an API client reads `details.field`.

export const MAX_PHOTOS = 9;
export const MAX_BODY = 5000;

/** Image types a browser shows and the dashboard serves inline; anything else is refused (415). */
export const IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/heic', 'image/heif', 'image/avif', 'image/bmp']);

const str = (max: number) => z.string().max(max).optional();
const flag = z.union([z.boolean(), z.string().max(10)]).optional();

export const TipFieldsSchema = z.object({
  body: z
    .string()
    .max(MAX_BODY * 2)
    .optional(),
  location: str(400),
  name: str(200),
  phone: str(100),
  email: str(320),
  consent: flag,
  // The honeypot: hidden from people, filled by form-filling bots.
  website: str(2000),
  challenge: str(400),
  nonce: str(40),
  lang: str(5),
});
export type TipFields = z.infer<typeof TipFieldsSchema>;

/** The submission's params: what the normalize job needs (never the honeypot or the challenge). */
export const WebParamsSchema = z.object({
  kind: z.enum(['tip', 'followup']),
  body: z.string(),
  location: z.string().nullable(),
  name: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  consent: z.boolean(),
  photos: z.number().int(),
});
export type WebParams = z.infer<typeof WebParamsSchema>;

export function fieldError(code: ErrorCode, field: string, zh: string, en: string): AppError {
  return new AppError(code, `${zh} / ${en}`, { field, zh, en, fields: [{ field, message: en }] });
}

const clean = (v: string | undefined, max: number) => {
  const s = (v ?? '').replace(/\u0000/g, '').trim();
  return s ? s.slice(0, max) : null;
};
const checked = (v: boolean | string | undefined) => v === true || (typeof v === 'string' && ['on', 'true', '1', 'yes'].includes(v.toLowerCase()));

/**
 * A Chinese mobile written the local way (13800138000, 138-0013-8000) becomes +8613800138000,
 * the form SMS arrives with, so a tipster who texted before is recognised.
 */
export function normalizePhone(raw: string): string | null {
  const compact = raw.replace(/[\s\-().]/g, '');
  if (!/^\+?\d{5,20}$/.test(compact)) return null;
  if (/^1[3-9]\d{9}$/.test(compact)) return `+86${compact}`;
  if (/^86 ?1[3-9]\d{9}$/.test(compact)) return `+${compact}`;
  return compact;
}

const EMAIL = z.string().email();

/** Checks a tip or follow-up; throws the first problem as a bilingual 400. */
export function validateFields(f: TipFields, kind: 'tip' | 'followup', photos: number): WebParams {
  const body = clean(f.body, MAX_BODY * 2) ?? '';
  if (!body && !(kind === 'followup' && photos > 0)) {
    throw fieldError('VALIDATION', 'body', '请写下发生了什么（“发生了什么”为必填）', 'body is required: please say what happened');
  }
  if (body.length > MAX_BODY) throw fieldError('VALIDATION', 'body', `内容请不超过 ${MAX_BODY} 字`, `body must be at most ${MAX_BODY} characters`);
  if (kind === 'followup') {
    return { kind, body, location: null, name: null, phone: null, email: null, consent: false, photos };
  }
  const phoneRaw = clean(f.phone, 100);
  const phone = phoneRaw ? normalizePhone(phoneRaw) : null;
  if (phoneRaw && !phone) throw fieldError('VALIDATION', 'phone', '电话号码格式不对', 'phone is not a phone number');
  const email = clean(f.email, 320)?.toLowerCase() ?? null;
  if (email && !EMAIL.safeParse(email).success) throw fieldError('VALIDATION', 'email', '电子邮箱格式不对', 'email is not an email address');
  const name = clean(f.name, 100);
  const consent = checked(f.consent);
  if ((phone || email || name) && !consent) {
    throw fieldError(
      'VALIDATION',
      'consent',
      '留下联系方式前，请勾选同意《个人信息保护说明》',
      'consent is required when you leave a name, phone or email: please agree to the privacy notice',
    );
  }
  return { kind, body, location: clean(f.location, 200), name, phone, email, consent, photos };
}

export const honeypotFilled = (f: TipFields) => Boolean(f.website && f.website.trim());

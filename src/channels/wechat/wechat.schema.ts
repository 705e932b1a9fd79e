import { z } from 'zod';
import { readStored } from '../stored-params.js';

// One push from the WeChat server (普通消息 and 事件推送), after signature checks and decryption.
// Fields per MsgType follow WeChat's published message formats; unknown fields are kept in
// the stored params but not read.

const str = z.string().max(20_000);

export const WechatPushSchema = z.looseObject({
  ToUserName: z.string().min(1).max(128),
  FromUserName: z.string().min(1).max(128),
  CreateTime: z.string().regex(/^\d{1,12}$/, { message: 'must be a Unix time in seconds' }),
  MsgType: z.string().min(1).max(32),
  MsgId: z
    .string()
    .regex(/^\d{1,24}$/, { message: 'must be a 64-bit integer' })
    .optional(),
  Event: z.string().max(64).optional(),
  Content: str.optional(),
  PicUrl: z.string().max(2048).optional(),
  MediaId: z.string().max(256).optional(),
  Format: z.string().max(32).optional(),
  Recognition: str.optional(),
  ThumbMediaId: z.string().max(256).optional(),
  Location_X: z.string().max(32).optional(),
  Location_Y: z.string().max(32).optional(),
  Scale: z.string().max(16).optional(),
  Label: z.string().max(1000).optional(),
  Title: z.string().max(1000).optional(),
  Description: z.string().max(5000).optional(),
  Url: z.string().max(2048).optional(),
});
export type WechatPush = z.infer<typeof WechatPushSchema>;

/** A push as stored in submission.params, read again by a job. */
export const storedPush = (params: unknown): WechatPush => readStored(WechatPushSchema, params, 'The stored WeChat push');

/** Messages that open or join a tip; everything else (events, unknown types) is recorded and skipped. */
export const TIP_TYPES = new Set(['text', 'image', 'voice', 'video', 'shortvideo', 'location', 'link']);

/** Messages are unique by MsgId; events (which have none) by sender and creation time, as WeChat says. */
export const externalIdOf = (p: WechatPush) => p.MsgId ?? `event:${p.FromUserName}:${p.CreateTime}`;

export interface Coordinates {
  lat: number;
  lng: number;
  scale: number | null;
  label: string | null;
}

/** Location_X is the latitude and Location_Y the longitude (WeChat's naming). */
export function coordinatesOf(p: WechatPush): Coordinates | null {
  const lat = Number(p.Location_X);
  const lng = Number(p.Location_Y);
  if (p.MsgType !== 'location' || !Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
  return { lat, lng, scale: p.Scale && Number.isFinite(Number(p.Scale)) ? Number(p.Scale) : null, label: p.Label?.trim() || null };
}

/** The text a message contributes to its tip (and the routing text: a leading reference or 新). */
export function messageText(p: WechatPush): string {
  switch (p.MsgType) {
    case 'text':
      return p.Content ?? '';
    case 'image':
      return '（图片）\n(Photo)';
    case 'voice':
      return p.Recognition?.trim() || '（语音消息，没有识别文字）\n(Voice message, no transcript)';
    case 'video':
    case 'shortvideo':
      return '（视频）\n(Video)';
    case 'location': {
      const c = coordinatesOf(p);
      return c ? `位置 Location: ${c.label ?? ''}（${c.lat}, ${c.lng}）`.replace('：（', '（') : '（位置）\n(Location)';
    }
    case 'link':
      return [p.Title, p.Description, p.Url].filter(Boolean).join('\n');
    default:
      return '';
  }
}

/** The text routing reads for a leading reference code or 新/NEW: only what the person typed or said. */
export const routingText = (p: WechatPush) => (p.MsgType === 'text' ? (p.Content ?? '') : p.MsgType === 'voice' ? (p.Recognition ?? '') : '');

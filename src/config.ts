import { z } from 'zod';

// The only module that reads process.env. Everything else receives a Config.

const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? def : ['true', '1', 'yes'].includes(v)));

const int = (def: number, min = 0) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, { error: `must be at least ${min}` })
    .default(def);
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));
const optionalUrl = optionalString.pipe(z.url({ error: 'must be an http(s) URL' }).optional());

const postgresUrl = z
  .string()
  .refine((v) => /^postgres(ql)?:\/\/.+/.test(v), 'must be a postgresql:// URL')
  .optional()
  .or(z.literal('').transform(() => undefined));

export const ConfigSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
    PORT: int(3000),
    HOST: z.string().default('127.0.0.1'),
    PUBLIC_BASE_URL: z
      .string()
      .url()
      .optional()
      .or(z.literal('').transform(() => undefined)),
    TRUST_PROXY: z.string().default('false'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

    DATABASE_URL: postgresUrl,
    DATABASE_POOL_SIZE: int(10, 1),
    EMBEDDED_PG_DIR: z.string().default('./data/postgres'),
    EMBEDDED_PG_PORT: int(54329, 1),

    ADMIN_EMAIL: z
      .string()
      .email()
      .optional()
      .or(z.literal('').transform(() => undefined)),
    ADMIN_PASSWORD: optionalString,
    TOKEN_TTL_HOURS: int(12, 1),
    LOGIN_MAX_ATTEMPTS: int(10, 1),
    LOGIN_WINDOW_SECONDS: int(900, 1),

    WORKER_CONCURRENCY: int(4, 1),
    JOB_LEASE_SECONDS: int(60, 5),
    JOB_POLL_SECONDS: int(5, 1),
    JOB_MAX_ATTEMPTS: int(10, 1),
    JOB_RETENTION_HOURS: int(72, 1),
    INTAKE_FIRST_MAX_WAIT_MS: int(1000, 0),

    IMAP_HOST: optionalString,
    IMAP_PORT: int(993, 1),
    IMAP_SECURE: bool(true),
    IMAP_USER: optionalString,
    IMAP_PASSWORD: optionalString,
    IMAP_MAILBOX: z.string().default('INBOX'),
    IMAP_PROCESSED_MAILBOX: optionalString,
    IMAP_POLL_SECONDS: int(60, 1),
    IMAP_MAX_MESSAGE_BYTES: int(25 * 1024 * 1024, 1024),
    IMAP_TLS_REJECT_UNAUTHORIZED: bool(true),

    SMTP_URL: optionalString,
    MAIL_FROM: optionalString,

    TWILIO_ACCOUNT_SID: optionalString,
    TWILIO_AUTH_TOKEN: optionalString,
    TWILIO_FROM_NUMBER: optionalString,
    // Tests point the REST client at a loopback recorder; production leaves it unset.
    TWILIO_API_BASE_URL: optionalString,
    // Extra public base URLs Twilio may sign webhooks with (e.g. a Messaging Service's webhook host), comma-separated.
    TWILIO_WEBHOOK_BASE_URLS: z
      .string()
      .optional()
      .transform((v) =>
        (v ?? '')
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().url())),
    // How a text is acknowledged: in the webhook's TwiML answer (the webhook decides the tip and its
    // code at once), or by the REST API from the normalize job (the webhook only stores: faster in a storm).
    TWILIO_SMS_ACK: z.enum(['twiml', 'api']).default('twiml'),
    SMS_FOLLOWUP_DAYS: int(14, 0),
    SMS_RATE_LIMIT_PER_HOUR: int(20, 1),
    VOICE_MAX_SECONDS: int(180, 2),

    // SMS gateway: the hotline's own SIM in an Android phone running SMS Gateway for Android
    // (docs/channels/sms-gateway.md). All four strings on = the channel is on.
    SMS_GATEWAY_URL: optionalString.pipe(z.string().url('must be a URL like http://192.168.1.20:8080').optional()),
    SMS_GATEWAY_USERNAME: optionalString,
    SMS_GATEWAY_PASSWORD: optionalString,
    SMS_GATEWAY_SIGNING_KEY: optionalString,
    // The phone pings; silent longer than this, the intake health turns red and editors are emailed.
    SMS_GATEWAY_SILENCE_MINUTES: int(30, 1),
    // WeChat Official Account (公众号) message push and customer-service replies (docs/channels/wechat.md).
    WECHAT_TOKEN: optionalString,
    WECHAT_APP_ID: optionalString,
    WECHAT_APP_SECRET: optionalString,
    // 43 characters from the console's 服务器配置; unset = plaintext mode only.
    WECHAT_ENCODING_AES_KEY: z
      .string()
      .optional()
      .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))
      .refine((v) => v === undefined || /^[A-Za-z0-9]{43}$/.test(v), { message: 'must be the 43 letters and digits of the EncodingAESKey' }),
    // Tests point the API client at a loopback stand-in for api.weixin.qq.com; production leaves it unset.
    WECHAT_API_BASE_URL: optionalString,
    // How long a push may take before the passive reply is given up for `success` + a customer-service message (WeChat waits 5 s).
    WECHAT_REPLY_BUDGET_MS: int(4000, 0),
    // How a push is acknowledged: in the passive reply (the webhook decides the tip and its code at
    // once), or by the customer-service API from the normalize job (the webhook only stores: faster in a storm).
    WECHAT_ACK: z.enum(['passive', 'api']).default('passive'),
    // --- Web tip form (src/channels/web/, docs/channels/web.md) ---
    // Other sites allowed to post to /api/public/tips from a browser (CORS) and to frame /tip, comma-separated origins.
    WEB_FORM_ORIGINS: z
      .string()
      .optional()
      .transform((v) =>
        (v ?? '')
          .split(',')
          .map((s) => s.trim().replace(/\/$/, ''))
          .filter(Boolean),
      )
      .pipe(z.array(z.string().url())),
    WEB_FORM_RATE_LIMIT_PER_HOUR: int(10, 1),
    // A proof-of-work the page's own script computes, for a spam wave; off so the paper's site and app can post directly.
    WEB_FORM_CHALLENGE: z
      .enum(['on', 'off', ''])
      .optional()
      .transform((v) => v === 'on'),
    // Signs the challenges; shared by every API process. Required when WEB_FORM_CHALLENGE=on.
    WEB_FORM_SECRET: optionalString,

    ATTACHMENT_MAX_BYTES: int(20 * 1024 * 1024, 1024),
    CLAIM_EXPIRY_HOURS: int(72, 1),
    // The city whose gazetteer (src/tips/language/data/gazetteer.<city>.json) places are read against.
    GAZETTEER_CITY: z.string().trim().min(1).default('大同市'),
    // How often a worker queues the language job (word rarity, classifier retraining); 0 turns it off.
    LANGUAGE_JOB_SECONDS: int(600, 0),
    // New editor-filed tips needed before the classifier is trained again.
    CLASSIFIER_RETRAIN_EVERY: int(25, 1),
    // Filed tips the classifier needs before it is trained at all (the phrase rules lead until then).
    CLASSIFIER_MIN_TIPS: int(10, 1),
    REQUEST_BODY_LIMIT: z.string().default('1mb'),
    // Reference codes (T-YYMMDD-NNNN) and day boundaries follow the newsroom's clock.
    TIMEZONE: z.string().default('Asia/Shanghai'),
    HOTLINE_NAME: z.string().default('晚报社区版爆料热线 / Evening Paper community tip line'),
    HOTLINE_PHONE: z.string().default('18635299317'),

    // Alerts to the desk (src/messaging/alerts/): group robots of WeCom (企业微信) and DingTalk (钉钉), and email to editors.
    ALERT_WECOM_WEBHOOK: optionalUrl,
    ALERT_DINGTALK_WEBHOOK: optionalUrl,
    ALERT_DINGTALK_SECRET: optionalString,
    ALERT_EMAIL_EDITORS: bool(true),
    ALERT_MAX_PER_HOUR: int(30, 1),
    TRIAGE_SLA_MINUTES: int(30, 1),
    // PIPL retention (docs/privacy.md): contact data of tips closed longer ago than this is erased daily.
    CONTACT_RETENTION_DAYS: int(365, 1),
    // When set, /metrics answers only requests with `Authorization: Bearer <METRICS_TOKEN>`.
    METRICS_TOKEN: optionalString,
  })
  .superRefine((c, ctx) => {
    const imapParts = [c.IMAP_HOST, c.IMAP_USER, c.IMAP_PASSWORD].filter(Boolean).length;
    if (imapParts > 0 && imapParts < 3) {
      for (const k of ['IMAP_HOST', 'IMAP_USER', 'IMAP_PASSWORD'] as const) {
        if (!c[k]) ctx.addIssue({ code: 'custom', path: [k], message: 'is required when any IMAP_* setting is given' });
      }
    }
    const twilioParts = [c.TWILIO_ACCOUNT_SID, c.TWILIO_AUTH_TOKEN].filter(Boolean).length;
    if (twilioParts === 1) {
      for (const k of ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN'] as const) {
        if (!c[k]) ctx.addIssue({ code: 'custom', path: [k], message: 'is required when Twilio is configured' });
      }
    }
    const wechatParts = [c.WECHAT_TOKEN, c.WECHAT_APP_ID, c.WECHAT_APP_SECRET].filter(Boolean).length;
    if (wechatParts > 0 && wechatParts < 3) {
      for (const k of ['WECHAT_TOKEN', 'WECHAT_APP_ID', 'WECHAT_APP_SECRET'] as const) {
        if (!c[k])
          ctx.addIssue({ code: 'custom', path: [k], message: 'is required when any of WECHAT_TOKEN, WECHAT_APP_ID, WECHAT_APP_SECRET is given' });
      }
    }
    if (c.WEB_FORM_CHALLENGE && (c.WEB_FORM_SECRET ?? '').length < 32) {
      ctx.addIssue({ code: 'custom', path: ['WEB_FORM_SECRET'], message: 'must be at least 32 characters when WEB_FORM_CHALLENGE=on' });
    }
    if (c.ADMIN_PASSWORD && c.ADMIN_PASSWORD.length < 10) {
      ctx.addIssue({ code: 'custom', path: ['ADMIN_PASSWORD'], message: 'must be at least 10 characters' });
    }
  });

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {}

/** Parses an environment once; the message names the first bad variable on one line. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'} ${i.message}`);
    throw new ConfigError(`Invalid configuration: ${lines.join('; ')}`);
  }
  return parsed.data;
}

export const imapEnabled = (c: Config) => Boolean(c.IMAP_HOST && c.IMAP_USER && c.IMAP_PASSWORD);
export const twilioEnabled = (c: Config) => Boolean(c.TWILIO_ACCOUNT_SID && c.TWILIO_AUTH_TOKEN);
export const smtpEnabled = (c: Config) => Boolean(c.SMTP_URL);
export const wechatEnabled = (c: Config) => Boolean(c.WECHAT_TOKEN && c.WECHAT_APP_ID && c.WECHAT_APP_SECRET);

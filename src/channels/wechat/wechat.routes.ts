import { randomBytes } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import { wechatEnabled } from '../../config.js';
import type { Deps } from '../../deps.js';
import { AppError, zodToAppError } from '../../errors.js';
import { IntakeCounters } from '../twilio/intake-counters.js';
import { DecryptError, messageSignature, openEnvelope, sameSignature, sealReply, urlSignature } from './wechat.crypto.js';
import { acceptPush, type PushMode, type WechatAccepted } from './wechat-intake.service.js';
import { wechatReplyText } from './wechat.replies.js';
import { WechatPushSchema, type WechatPush } from './wechat.schema.js';
import { encryptedReplyXml, parseWechatXml, textReplyXml } from './wechat.xml.js';

export const SOURCE = 'wechat';
/** Pushes signed more than this far from now are refused (a replayed capture, or a wrong clock). */
const MAX_SKEW_S = 300;

/**
 * The Official Account's server URL (服务器配置): GET is the URL check, POST carries messages and
 * events as XML, signed with WECHAT_TOKEN and, in safe mode, encrypted with the EncodingAESKey.
 * Nothing is stored unless the signature holds. The answer is the passive reply (XML addressed
 * back to the sender), encrypted in safe mode, or `success` when there is nothing to say.
 */
export function wechatRoutes(deps: Deps): Router {
  const { config, logger } = deps;
  const counters = new IntakeCounters(deps);
  const r = Router();
  r.use((_req, _res, next) => {
    if (!wechatEnabled(config)) {
      throw new AppError('UNAVAILABLE', 'WeChat intake is off: set WECHAT_TOKEN, WECHAT_APP_ID and WECHAT_APP_SECRET (see docs/channels/wechat.md)');
    }
    next();
  });
  r.use(express.text({ type: () => true, limit: config.REQUEST_BODY_LIMIT }));

  const refuse = (req: Request, why: string): never => {
    counters.error(SOURCE, 'WECHAT', why);
    deps.metrics.webhooks.inc({ route: '/wechat', outcome: 'forbidden' });
    logger.warn({ method: req.method, reason: why }, 'WeChat push refused');
    throw new AppError('FORBIDDEN', `WeChat ${why}`);
  };
  const invalid = (req: Request, err: AppError): never => {
    counters.error(SOURCE, 'WECHAT', err.message);
    deps.metrics.webhooks.inc({ route: '/wechat', outcome: 'invalid' });
    logger.warn({ method: req.method, reason: err.message }, 'WeChat push invalid');
    throw err;
  };

  /** timestamp and nonce, checked for presence and freshness; then the URL signature when asked. */
  const signedQuery = (req: Request, checkUrlSignature: boolean) => {
    const q = req.query as Record<string, string | undefined>;
    const timestamp = typeof q.timestamp === 'string' ? q.timestamp : '';
    const nonce = typeof q.nonce === 'string' ? q.nonce : '';
    if (!/^\d{1,12}$/.test(timestamp) || !nonce) refuse(req, 'signature parameters (timestamp, nonce) are missing');
    const skew = Math.abs(deps.clock.now().getTime() / 1000 - Number(timestamp));
    if (skew > MAX_SKEW_S) refuse(req, `timestamp is ${Math.round(skew)} s from now (more than ${MAX_SKEW_S} s)`);
    if (checkUrlSignature && !sameSignature(urlSignature(config.WECHAT_TOKEN!, timestamp, nonce), q.signature)) {
      refuse(req, q.signature ? 'signature does not match WECHAT_TOKEN' : 'signature is missing');
    }
    return { timestamp, nonce, q };
  };

  r.get('/', (req, res) => {
    const { q } = signedQuery(req, true);
    counters.success(SOURCE, 'WECHAT', null);
    // The URL check: echo echostr as plain text.
    res.type('text/plain').send(typeof q.echostr === 'string' ? q.echostr : '');
  });

  /** The push's message fields, after the signature checks and, in safe mode, decryption. */
  const openPush = (req: Request): { push: WechatPush; mode: PushMode; encrypted: boolean } => {
    const aes = (req.query.encrypt_type as string | undefined) === 'aes';
    const key = config.WECHAT_ENCODING_AES_KEY;
    const { timestamp, nonce, q } = signedQuery(req, !aes || !key);
    let outer: Record<string, string>;
    try {
      outer = parseWechatXml(typeof req.body === 'string' ? req.body : '');
    } catch (err) {
      return invalid(req, new AppError('VALIDATION', `Invalid WeChat push: ${(err as Error).message}`));
    }
    let fields = outer;
    let mode: PushMode = 'plain';
    if (aes && key) {
      if (!outer.Encrypt) return invalid(req, new AppError('VALIDATION', 'Invalid WeChat push: Encrypt is missing'));
      if (!sameSignature(messageSignature(config.WECHAT_TOKEN!, timestamp, nonce, outer.Encrypt), q.msg_signature)) {
        refuse(req, q.msg_signature ? 'msg_signature does not match' : 'msg_signature is missing');
      }
      try {
        fields = parseWechatXml(openEnvelope(key, config.WECHAT_APP_ID!, outer.Encrypt));
      } catch (err) {
        if (err instanceof DecryptError) refuse(req, err.message);
        return invalid(req, new AppError('VALIDATION', `Invalid WeChat push: ${(err as Error).message}`));
      }
      mode = outer.MsgType ? 'compatible' : 'safe';
    } else if (aes) {
      // Compatible mode without our key: the plaintext copy, vouched for by the URL signature.
      if (!outer.MsgType) throw new AppError('UNAVAILABLE', 'WeChat sent an encrypted push but WECHAT_ENCODING_AES_KEY is not set');
      mode = 'compatible';
    }
    const parsed = WechatPushSchema.safeParse(fields);
    if (!parsed.success) return invalid(req, zodToAppError(parsed.error, 'WeChat push'));
    return { push: parsed.data, mode, encrypted: aes && Boolean(key) };
  };

  const answer = (res: Response, p: WechatPush, result: WechatAccepted, encrypted: boolean) => {
    const content = wechatReplyText(config, result.reply);
    if (!content) return res.type('text/plain').send('success');
    const now = Math.floor(deps.clock.now().getTime() / 1000);
    const xml = textReplyXml({ to: p.FromUserName, from: p.ToUserName, createTime: now, content });
    if (!encrypted) return res.type('application/xml').send(xml);
    const timestamp = String(now);
    const nonce = String(randomBytes(5).readUInt32BE(0));
    const sealed = sealReply({
      token: config.WECHAT_TOKEN!,
      aesKey: config.WECHAT_ENCODING_AES_KEY!,
      appId: config.WECHAT_APP_ID!,
      xml,
      timestamp,
      nonce,
    });
    res.type('application/xml').send(encryptedReplyXml({ ...sealed, timestamp, nonce }));
  };

  r.post('/', async (req, res) => {
    const { push, mode, encrypted } = openPush(req);
    const result = await acceptPush(deps, push, mode, deps.clock.now().getTime() + config.WECHAT_REPLY_BUDGET_MS);
    counters.success(SOURCE, 'WECHAT', result.outcome);
    deps.metrics.webhooks.inc({ route: '/wechat', outcome: result.outcome });
    logger.info({ submission: result.submissionId, outcome: result.outcome, type: push.MsgType, mode, reply: result.reply.kind }, 'WeChat push');
    answer(res, push, result, encrypted);
  });

  return r;
}

import { decrypt, encrypt } from '@wecom/crypto';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { wechatAdapter } from '../../src/channels/wechat/index.js';
import { loadConfig } from '../../src/config.js';
import { DecryptError, messageSignature, openEnvelope, sameSignature, sealReply, urlSignature } from '../../src/channels/wechat/wechat.crypto.js';
import { coordinatesOf, externalIdOf, messageText, WechatPushSchema } from '../../src/channels/wechat/wechat.schema.js';
import { parseWechatXml, textReplyXml } from '../../src/channels/wechat/wechat.xml.js';
import { ACCOUNT, AES_KEY, APP_ID, flatXml, sha1, TOKEN, wxDecrypt, wxEncrypt, xmlOf } from './wechat-support.js';

describe('WeChat signatures', () => {
  it('matches the worked example in WeChat’s message-encryption guide', () => {
    // Token "AAAAA", timestamp 1714037059, nonce 486452656 (developers.weixin.qq.com, 消息加解密说明).
    expect(urlSignature('AAAAA', '1714037059', '486452656')).toBe('899cf89e464efb63f54ddac96b0a0a235f53aa78');
  });

  it('signs the ciphertext with the token, timestamp and nonce (msg_signature)', () => {
    expect(messageSignature(TOKEN, '1714037059', '486452656', 'CIPHER')).toBe(sha1(TOKEN, '1714037059', '486452656', 'CIPHER'));
    expect(sameSignature(sha1('a', 'b'), sha1('a', 'b').toUpperCase())).toBe(true);
    expect(sameSignature(sha1('a', 'b'), sha1('a', 'c'))).toBe(false);
    expect(sameSignature(sha1('a', 'b'), undefined)).toBe(false);
  });
});

describe('WXBizMsgCrypt: the test helper (node:crypto) and @wecom/crypto agree', () => {
  const xml = xmlOf({
    ToUserName: ACCOUNT,
    FromUserName: 'oUser',
    CreateTime: 1714037059,
    MsgType: 'text',
    Content: '楼道灯坏了 ]]> 😊',
    MsgId: '24012345678901234567',
  });

  it('encrypts to the same bytes for the same random prefix, both ways', () => {
    for (let i = 0; i < 20; i++) {
      const random = randomBytes(16);
      const body = i === 0 ? xml : randomBytes(i * 7).toString('base64');
      expect(wxEncrypt(body, { random })).toBe(encrypt(AES_KEY, body, APP_ID, random));
      expect(decrypt(AES_KEY, wxEncrypt(body)).message).toBe(body);
      expect(wxDecrypt(encrypt(AES_KEY, body, APP_ID))).toEqual({ xml: body, appId: APP_ID });
    }
  });

  it('opens a push for our AppID and refuses one for another account or key', () => {
    expect(openEnvelope(AES_KEY, APP_ID, wxEncrypt(xml))).toBe(xml);
    expect(() => openEnvelope(AES_KEY, APP_ID, wxEncrypt(xml, { appId: 'wx0000000000000000' }))).toThrow(DecryptError);
    expect(() => openEnvelope(AES_KEY, APP_ID, wxEncrypt(xml, { key: 'Z'.repeat(43) }))).toThrow(DecryptError);
  });

  it('seals a reply that the WeChat side can verify and decrypt', () => {
    const reply = textReplyXml({ to: 'oUser', from: ACCOUNT, createTime: 1714037060, content: '已收到您的报料，编号 T-261202-0001' });
    const s = sealReply({ token: TOKEN, aesKey: AES_KEY, appId: APP_ID, xml: reply, timestamp: '1714037060', nonce: '42' });
    expect(s.signature).toBe(sha1(TOKEN, '1714037060', '42', s.ciphertext));
    expect(wxDecrypt(s.ciphertext)).toEqual({ xml: reply, appId: APP_ID });
  });
});

describe('WeChat XML', () => {
  it('keeps a 64-bit MsgId exact and CDATA text whole', () => {
    const f = parseWechatXml(xmlOf({ MsgId: '24012345678901234567', CreateTime: 1714037059, Content: 'a < b & 新' }));
    expect(f).toEqual({ MsgId: '24012345678901234567', CreateTime: '1714037059', Content: 'a < b & 新' });
    expect(() => parseWechatXml('<html>')).toThrow();
    expect(() => parseWechatXml('<note>x</note>')).toThrow(/root/);
  });

  it('writes a passive reply whose text survives "]]>"', () => {
    const xml = textReplyXml({ to: 'oUser', from: ACCOUNT, createTime: 1, content: 'x ]]> y' });
    expect(parseWechatXml(xml).Content).toBe('x ]]> y');
    expect(flatXml(xml)).toMatchObject({ ToUserName: 'oUser', FromUserName: ACCOUNT, MsgType: 'text' });
  });

  it('keys messages by MsgId and events by sender and time; reads coordinates', () => {
    const base = { ToUserName: ACCOUNT, FromUserName: 'oUser', CreateTime: '1714037059' };
    expect(externalIdOf(WechatPushSchema.parse({ ...base, MsgType: 'event', Event: 'subscribe' }))).toBe('event:oUser:1714037059');
    const loc = WechatPushSchema.parse({
      ...base,
      MsgType: 'location',
      Location_X: '40.0768',
      Location_Y: '113.3001',
      Scale: '15',
      Label: '山西省大同市平城区永泰街道',
      MsgId: '1',
    });
    expect(coordinatesOf(loc)).toEqual({ lat: 40.0768, lng: 113.3001, scale: 15, label: '山西省大同市平城区永泰街道' });
    expect(messageText(loc)).toContain('平城区永泰街道');
  });
});

describe('WeChat settings', () => {
  const env = { DATABASE_URL: 'postgresql://x@127.0.0.1/x' };

  it('is off, and says what to set, until token, AppID and AppSecret are all given', () => {
    const off = loadConfig(env);
    expect(wechatAdapter.enabled(off)).toBe(false);
    expect(wechatAdapter.describe(off)).toMatch(/^WeChat intake: off \(set WECHAT_TOKEN, WECHAT_APP_ID and WECHAT_APP_SECRET/);
    expect(() => loadConfig({ ...env, WECHAT_TOKEN: TOKEN })).toThrow(/WECHAT_APP_ID/);
    expect(() =>
      loadConfig({ ...env, WECHAT_TOKEN: TOKEN, WECHAT_APP_ID: APP_ID, WECHAT_APP_SECRET: 's', WECHAT_ENCODING_AES_KEY: 'short' }),
    ).toThrow(/WECHAT_ENCODING_AES_KEY/);
    const on = loadConfig({ ...env, WECHAT_TOKEN: TOKEN, WECHAT_APP_ID: APP_ID, WECHAT_APP_SECRET: 's', WECHAT_ENCODING_AES_KEY: AES_KEY });
    expect(wechatAdapter.enabled(on)).toBe(true);
    expect(wechatAdapter.describe(on)).toContain('/webhooks/wechat');
    expect(wechatAdapter.describe(on)).not.toContain(AES_KEY);
  });
});

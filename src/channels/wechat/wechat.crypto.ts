import { createHash, timingSafeEqual } from 'node:crypto';
import { decrypt, encrypt, getSignature } from '@wecom/crypto';

// WeChat's push signatures and safe-mode encryption (WXBizMsgCrypt: AES-256-CBC with the key and
// IV from EncodingAESKey, PKCS#7 padding to 32 bytes, random(16) | length(4, BE) | XML | AppID).
// @wecom/crypto implements the algorithm; what it leaves to us: checking the AppID at the end
// of the plaintext (a push encrypted for another account must not be accepted) and comparing
// signatures in constant time.

/** `signature` on every push and on URL verification: SHA-1 of sorted token, timestamp, nonce. */
export function urlSignature(token: string, timestamp: string, nonce: string): string {
  return createHash('sha1').update([token, timestamp, nonce].sort().join('')).digest('hex');
}

/** `msg_signature` in safe mode: the same over four strings, the fourth being the ciphertext. */
export function messageSignature(token: string, timestamp: string, nonce: string, ciphertext: string): string {
  return getSignature(token, timestamp, nonce, ciphertext);
}

export function sameSignature(expected: string, given: string | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export class DecryptError extends Error {}

/** The XML inside a safe-mode `<Encrypt>`; throws DecryptError when it is not for this AppID. */
export function openEnvelope(aesKey: string, appId: string, ciphertext: string): string {
  let opened: { message: string; id: string };
  try {
    opened = decrypt(aesKey, ciphertext);
  } catch {
    throw new DecryptError('the Encrypt element does not decrypt with WECHAT_ENCODING_AES_KEY');
  }
  if (opened.id !== appId) throw new DecryptError('the encrypted push is addressed to another AppID');
  return opened.message;
}

/** A safe-mode reply: the XML encrypted for our AppID, signed with a fresh nonce. */
export function sealReply(o: { token: string; aesKey: string; appId: string; xml: string; timestamp: string; nonce: string }) {
  const ciphertext = encrypt(o.aesKey, o.xml, o.appId);
  return { ciphertext, signature: messageSignature(o.token, o.timestamp, o.nonce, ciphertext) };
}

import { describe, expect, it } from 'vitest';
import { storedReceived } from '../../src/channels/sms-gateway/gateway.schema.js';
import { readStored } from '../../src/channels/stored-params.js';
import { storedSmsParams } from '../../src/channels/twilio/twilio.schema.js';
import { storedPush } from '../../src/channels/wechat/wechat.schema.js';
import { PermanentJobError } from '../../src/errors.js';
import { z } from 'zod';

// A stored request that no longer reads is a permanent failure (quarantined, not retried), and the
// error, which editors see, names the fields and never their values.
describe('reading a stored request again', () => {
  const Schema = z.object({ From: z.string().regex(/^\+\d+$/), Body: z.string() });

  it('returns the parsed request', () => {
    expect(readStored(Schema, { From: '+8613900000001', Body: '漏水' }, 'The stored SMS')).toEqual({ From: '+8613900000001', Body: '漏水' });
  });

  it('fails permanently, naming the fields and not their values', () => {
    const err = (() => {
      try {
        readStored(Schema, { From: '13900000001', Body: 7 }, 'The stored SMS');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PermanentJobError);
    expect((err as Error).message).toBe('The stored SMS is invalid: From, Body');
    expect((err as Error).message).not.toContain('13900000001');
  });

  it('reads nothing stored as an empty request', () => {
    expect(() => readStored(Schema, null, 'The stored SMS')).toThrow('The stored SMS is invalid: From, Body');
  });

  it('is what each channel’s stored reader uses', () => {
    expect(() => storedSmsParams({ From: '+8613900000001' })).toThrow(/^The stored SMS is invalid: /);
    expect(() => storedPush({})).toThrow(/^The stored WeChat push is invalid: /);
    // The gateway's event is read in two steps: its envelope, then its payload.
    expect(() => storedReceived({ event: 'sms:received', payload: { message: 'x', phoneNumber: '13900000001' } })).toThrow(
      'The stored SMS gateway event is invalid: id',
    );
    expect(() => storedReceived({ event: 'sms:received', id: 'ev-1', payload: { message: 'x' } })).toThrow(
      'The stored sms:received payload is invalid: phoneNumber',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { cursorAfter, cursorStart, searchRange, uidsAbove } from '../../src/channels/email/imap-cursor.js';
import { mailboxLockKey } from '../../src/channels/email/imap-lock.js';

describe('mailbox cursor', () => {
  it('resumes after the stored last UID when UIDVALIDITY is unchanged', () => {
    expect(cursorStart({ uidValidity: 1700000000n, lastUid: 4217n }, 1700000000n)).toEqual({ lastUid: 4217, reset: null });
  });

  it('starts from the beginning for a new mailbox or a changed UIDVALIDITY', () => {
    expect(cursorStart(null, 1700000000n)).toEqual({ lastUid: 0, reset: 'new' });
    expect(cursorStart({ uidValidity: 1700000000n, lastUid: 4217n }, 1700000999n)).toEqual({ lastUid: 0, reset: 'uidvalidity-changed' });
  });

  it('searches everything above the cursor', () => {
    expect(searchRange(0)).toBe('1:*');
    expect(searchRange(4217)).toBe('4218:*');
  });

  it('keeps only UIDs above the cursor, oldest first ("N:*" also matches the highest UID below N)', () => {
    expect(uidsAbove([4217], 4217)).toEqual([]);
    expect(uidsAbove([4230, 4218, 4219, 4200], 4217)).toEqual([4218, 4219, 4230]);
  });

  it('advances to the highest UID of a batch', () => {
    expect(cursorAfter([12, 15, 13])).toBe(15);
  });
});

describe('mailboxLockKey', () => {
  it('is a stable signed 64-bit key per mailbox', () => {
    const key = mailboxLockKey('imap:tips@mail.example.org/INBOX');
    expect(key).toBe(mailboxLockKey('imap:tips@mail.example.org/INBOX'));
    expect(key).not.toBe(mailboxLockKey('imap:tips@mail.example.org/Archive'));
    const n = BigInt(key);
    expect(n >= -(2n ** 63n) && n < 2n ** 63n).toBe(true);
  });
});

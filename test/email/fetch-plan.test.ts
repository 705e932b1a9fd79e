import { describe, expect, it } from 'vitest';
import { headerBlock } from '../../src/channels/email/imap-fetch.js';
import { FetchFailures, planBatches, plannedItems, sequenceSet, singleFetch, type Planned } from '../../src/channels/email/imap-fetch-plan.js';

const KB = 1024;
const MB = 1024 * KB;
const limits = { smallMessageBytes: 1 * MB, batchBytes: 8 * MB, batchMessages: 3 };
const item = (uid: number, size: number): Planned => ({ uid, size, internalDate: null, flags: [] });
const uidsOf = (batches: Planned[][]) => batches.map((b) => b.map((i) => i.uid));
const noFailures = () => 0;

describe('sequenceSet', () => {
  it('joins runs of consecutive UIDs into ranges', () => {
    expect(sequenceSet([1, 2, 3, 7, 9, 10, 11, 12])).toBe('1:3,7,9:12');
  });

  it('writes single UIDs alone and nothing for no UIDs', () => {
    expect(sequenceSet([42])).toBe('42');
    expect(sequenceSet([4, 6, 8])).toBe('4,6,8');
    expect(sequenceSet([])).toBe('');
  });
});

describe('plannedItems', () => {
  it('keeps the slice order and marks a UID without metadata as gone (size -1)', () => {
    const items = plannedItems(
      [5, 6, 7],
      [
        { uid: 7, size: 300, internalDate: new Date('2026-03-21T09:30:00Z'), flags: new Set(['\\Seen']) },
        { uid: 5, size: 1200, internalDate: '2026-03-20T22:05:00+08:00', flags: new Set() },
      ],
    );
    expect(items).toEqual([
      { uid: 5, size: 1200, internalDate: '2026-03-20T14:05:00.000Z', flags: [] },
      { uid: 6, size: -1, internalDate: null, flags: [] },
      { uid: 7, size: 300, internalDate: '2026-03-21T09:30:00.000Z', flags: ['\\Seen'] },
    ]);
  });
});

describe('planBatches', () => {
  it('puts small messages many to a batch, up to the message count', () => {
    const items = [1, 2, 3, 4, 5].map((uid) => item(uid, 10 * KB));
    expect(uidsOf(planBatches(items, limits, noFailures))).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('starts a new batch before the byte budget is exceeded', () => {
    const items = [1, 2, 3].map((uid) => item(uid, 900 * KB));
    expect(uidsOf(planBatches(items, { ...limits, batchBytes: 2 * MB }, noFailures))).toEqual([[1, 2], [3]]);
  });

  it('fetches a large message, a vanished one and one that failed before alone, keeping the order', () => {
    const items = [item(1, 10 * KB), item(2, 2 * MB), item(3, 10 * KB), item(4, -1), item(5, 10 * KB), item(6, 10 * KB)];
    const failures = (uid: number) => (uid === 5 ? 1 : 0);
    expect(uidsOf(planBatches(items, limits, failures))).toEqual([[1], [2], [3], [4], [5], [6]]);
  });

  it('counts a message of exactly the small size as small', () => {
    expect(uidsOf(planBatches([item(1, 1 * MB), item(2, 1)], limits, noFailures))).toEqual([[1, 2]]);
  });

  it('plans nothing for no messages', () => {
    expect(planBatches([], limits, noFailures)).toEqual([]);
  });
});

describe('singleFetch', () => {
  const o = { maxFetchAttempts: 3, smallMessageBytes: 1 * MB, maxMessageBytes: 25 * MB };

  it('skips a vanished message before anything else', () => {
    expect(singleFetch(item(1, -1), 5, o)).toBe('gone');
  });

  it('gives up on a message the server failed to send maxFetchAttempts times', () => {
    expect(singleFetch(item(1, 10 * KB), 3, o)).toBe('poison');
    expect(singleFetch(item(1, 10 * KB), 2, o)).toBe('stream');
  });

  it('reads only the headers of a message over the size limit', () => {
    expect(singleFetch(item(1, 25 * MB + 1), 0, o)).toBe('headers');
    expect(singleFetch(item(1, 25 * MB), 0, o)).toBe('stream');
  });

  it('streams large messages and fetches small ones whole', () => {
    expect(singleFetch(item(1, 1 * MB + 1), 0, o)).toBe('stream');
    expect(singleFetch(item(1, 1 * MB), 0, o)).toBe('batch');
  });
});

describe('FetchFailures', () => {
  it('counts failures per UIDVALIDITY and UID and forgets them when cleared', () => {
    const f = new FetchFailures();
    f.add(1700000000n, [10, 11]);
    f.add(1700000000n, [10]);
    expect(f.get(1700000000n, 10)).toBe(2);
    expect(f.get(1700000000n, 11)).toBe(1);
    expect(f.get(1700000001n, 10)).toBe(0);
    f.clear(1700000000n, [10]);
    expect(f.get(1700000000n, 10)).toBe(0);
    expect(f.get(1700000000n, 11)).toBe(1);
  });
});

describe('headerBlock', () => {
  it('ends at the first empty line, CRLF or LF, whichever comes first', () => {
    const crlf = Buffer.from('Subject: 平城区 路灯不亮\r\nFrom: a@example.org\r\n\r\n正文\n\n更多');
    expect(headerBlock(crlf).toString()).toBe('Subject: 平城区 路灯不亮\r\nFrom: a@example.org');
    const lf = Buffer.from('Subject: 邻里事\nFrom: b@example.org\n\n正文\r\n\r\n');
    expect(headerBlock(lf).toString()).toBe('Subject: 邻里事\nFrom: b@example.org');
  });

  it('takes the first 64 KiB when there is no empty line', () => {
    const raw = Buffer.alloc(100 * KB, 'a');
    expect(headerBlock(raw).length).toBe(64 * KB);
    expect(headerBlock(Buffer.from('Subject: x')).toString()).toBe('Subject: x');
  });
});

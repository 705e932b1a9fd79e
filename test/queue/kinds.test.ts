import { describe, expect, it } from 'vitest';
import type { Tx } from '../../src/db/prisma.js';
import { enqueue } from '../../src/queue/enqueue.js';
import type { JobDefinition } from '../../src/queue/job.js';
import { jobPayloads, NORMALIZE_JOB, SEND_SMS_JOB, type JobKind } from '../../src/queue/kinds.js';

// The job registry's compile-time checks: `npm run typecheck` fails when a @ts-expect-error
// below stops being an error. The function is never called (it would need a transaction).
export function enqueueChecks(tx: Tx) {
  void enqueue(tx, NORMALIZE_JOB, { submissionId: '0d6c2f1e-3b7a-4c55-9a8e-2f6b1d9c4e10' });
  void enqueue(tx, 'send-email', { to: 'reader@example.org', subject: '平城区 邻里事', text: '已收到' }, { maxAttempts: 8 });
  // @ts-expect-error: not a registered kind
  void enqueue(tx, 'no-such-kind', { messageId: 'x' });
  // @ts-expect-error: send-sms takes a messageId, not a submissionId
  void enqueue(tx, SEND_SMS_JOB, { submissionId: 'x' });
  // @ts-expect-error: send-email needs a subject and text
  void enqueue(tx, 'send-email', { to: 'reader@example.org' });
}

export const definitionCheck: JobDefinition<'fetch-media'> = {
  id: 'fetch-media',
  payload: jobPayloads['fetch-media'],
  async handler(_deps, payload) {
    const id: string = payload.attachmentId;
    // @ts-expect-error: fetch-media's payload has no messageId
    void payload.messageId;
    void id;
  },
};

// @ts-expect-error: a definition's schema must be its own kind's
export const wrongSchema: JobDefinition<'send-sms'> = { id: 'send-sms', payload: jobPayloads['fetch-media'], handler: async () => {} };

describe('job registry', () => {
  it('has a payload schema for each kind the pipeline enqueues', () => {
    expect(Object.keys(jobPayloads)).toEqual(
      expect.arrayContaining(['fetch-media', 'normalize-submission', 'send-email', 'send-sms'] satisfies JobKind[]),
    );
  });

  it('rejects a payload of the wrong shape at run time too (the worker parses each claimed payload)', () => {
    expect(jobPayloads['send-sms'].safeParse({ messageId: 'not-a-uuid' }).success).toBe(false);
    expect(jobPayloads['normalize-submission'].safeParse({ submissionId: '0d6c2f1e-3b7a-4c55-9a8e-2f6b1d9c4e10' }).success).toBe(true);
  });
});

describe('the job registry and the worker agree', () => {
  it('every registered kind has exactly one handler in allJobs, and no handler runs an unregistered kind', async () => {
    const { allJobs } = await import('../../src/lifecycle/jobs.js');
    const ids = allJobs.map((j) => j.id).sort();
    expect(ids).toEqual(Object.keys(jobPayloads).sort());
  });
});

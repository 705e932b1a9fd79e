import { randomBytes } from 'node:crypto';
import type { ManualClock } from '../../src/clock.js';
import { adapterFor } from '../../src/channels/index.js';
import { normalizeSubmissionJob } from '../../src/channels/normalize.job.js';
import { storeSubmissionIn } from '../../src/channels/submissions.js';
import type { Deps } from '../../src/deps.js';
import type { Channel } from '../../src/generated/prisma/enums.js';
import { resolveMerged } from '../../src/tips/threading.js';
import { addNote } from '../../src/triage/add-note.js';
import { assignTip } from '../../src/triage/assign.js';
import { claimTip } from '../../src/triage/claim.js';
import { mergeTips } from '../../src/triage/merge.js';
import { patchTip } from '../../src/triage/patch.js';
import type { PatchTip } from '../../src/triage/triage.schema.js';
import type { AuthUser } from '../../src/users/users.schema.js';
import { usersService } from '../../src/users/users.service.js';
import { submissionBuilders } from './submissions.js';
import { postWebForm } from './web-form.js';
import { DEMO_WEEK, type DemoItem } from './week.data.js';

// Fills a fresh database with the demo week: each item stored as its adapter stores it, at its
// own time (the injected clock and the submission's received_at), normalized by the real
// normalize job's handler, then worked by the desk through the triage use cases at the time
// the desk would have acted.

export interface DemoLogin {
  role: 'editor' | 'reporter' | 'admin';
  email: string;
  password: string;
}

export interface SeedResult {
  logins: DemoLogin[];
  tips: number;
  channels: Channel[];
  skipped: { channel: Channel; items: number; why: string }[];
}

const HOUR = 3_600_000;
/** A lead still held today was last worked on within the claim window (CLAIM_EXPIRY_HOURS, 72 by default). */
const HELD_WITHIN_HOURS = 20;

/**
 * When the desk acted on an item. A lead the week leaves claimed or in progress was last touched
 * recently: a claim idle past the expiry would have gone back to the pool, and the first claim
 * sweep of the started demo would hand it back at once.
 */
function deskTime(t: NonNullable<DemoItem['triage']>, arrive: number, now: number): number {
  const at = arrive + (t.afterHours ?? 1) * HOUR;
  const held = t.status === 'CLAIMED' || t.status === 'IN_PROGRESS';
  return held ? Math.max(at, now - HELD_WITHIN_HOURS * HOUR) : at;
}
const password = () => randomBytes(12).toString('base64url');

type Event = { at: number; kind: 'arrive' | 'desk'; item: DemoItem };

/** Whether the demo can store this channel's items now: an adapter normalizes it and a builder makes its submissions. */
function unsupported(channel: Channel): string | null {
  if (!adapterFor(channel)?.normalize[channel]) return 'no adapter registered in src/channels/index.ts';
  if (channel !== 'WEB' && !submissionBuilders[channel]) return 'no demo builder in scripts/demo/submissions.ts yet';
  return null;
}

export async function seedDemo(deps: Deps, clock: ManualClock, admin: DemoLogin): Promise<SeedResult> {
  const start = clock.now().getTime();
  const users = usersService(deps);
  const editorLogin: DemoLogin = { role: 'editor', email: 'editor@demo.tipdesk.local', password: password() };
  const reporterLogin: DemoLogin = { role: 'reporter', email: 'reporter@demo.tipdesk.local', password: password() };
  const editor: AuthUser = await users.create({ email: editorLogin.email, displayName: '王丽', role: 'EDITOR', password: editorLogin.password });
  const reporter: AuthUser = await users.create({
    email: reporterLogin.email,
    displayName: '尚丽',
    role: 'REPORTER',
    password: reporterLogin.password,
  });
  // A second reporter so the assign list is a choice; nobody logs in as her.
  await users.create({ email: 'zheng.lin@demo.tipdesk.local', displayName: '郑林', role: 'REPORTER', password: password() });

  const skipped = new Map<Channel, { items: number; why: string }>();
  const events: Event[] = [];
  for (const item of DEMO_WEEK) {
    const why = unsupported(item.channel);
    if (why) {
      skipped.set(item.channel, { items: (skipped.get(item.channel)?.items ?? 0) + 1, why });
      continue;
    }
    const arrive = start - item.hoursAgo * HOUR;
    events.push({ at: arrive, kind: 'arrive', item });
    if (item.triage) events.push({ at: deskTime(item.triage, arrive, start), kind: 'desk', item });
  }
  events.sort((a, b) => a.at - b.at || (a.kind === 'arrive' ? -1 : 1));

  const byKey = new Map(DEMO_WEEK.map((i) => [i.key, i]));
  const tipOf = new Map<string, string>();
  let seq = 0;
  for (const ev of events) {
    clock.set(new Date(ev.at));
    if (ev.kind === 'arrive') tipOf.set(ev.item.key, await arrive(deps, ev.item, ++seq, byKey));
    else await work(deps, ev.item, tipOf, { editor, reporter });
  }
  clock.set(new Date(start));

  const tips = await deps.prisma.tip.count();
  const channels = (await deps.prisma.tip.groupBy({ by: ['channel'] })).map((g) => g.channel);
  return {
    logins: [editorLogin, reporterLogin, admin],
    tips,
    channels,
    skipped: [...skipped].map(([channel, s]) => ({ channel, ...s })),
  };
}

/** Stores one item as its adapter would, at the clock's time, and runs the normalize job on it; returns its tip. */
async function arrive(deps: Deps, item: DemoItem, seq: number, byKey: Map<string, DemoItem>): Promise<string> {
  const at = deps.clock.now();
  const parent = item.followUpOf ? byKey.get(item.followUpOf) : undefined;
  const ctx = { at, parent, seq };
  const stored =
    item.channel === 'WEB'
      ? { id: await postWebForm(deps, item, ctx) }
      : await deps.prisma.$transaction((tx) => storeSubmissionIn(tx, submissionBuilders[item.channel]!(item, ctx)));
  // received_at is the database's now() on a live intake; the demo's week happened earlier.
  await deps.prisma.$executeRaw`UPDATE submission SET received_at = ${at} WHERE id = ${stored.id}::uuid`;
  const job = { id: `demo-${seq}`, kind: normalizeSubmissionJob.id, attempt: 1, maxAttempts: 1, signal: new AbortController().signal };
  await normalizeSubmissionJob.handler(deps, { submissionId: stored.id }, job);
  const sub = await deps.prisma.submission.findUniqueOrThrow({ where: { id: stored.id }, select: { tipId: true, state: true, lastError: true } });
  if (!sub.tipId) throw new Error(`demo item ${item.key} made no tip (${sub.state}: ${sub.lastError ?? ''})`);
  return resolveMerged(deps.prisma, sub.tipId);
}

const version = async (deps: Deps, id: string) => (await deps.prisma.tip.findUniqueOrThrow({ where: { id }, select: { version: true } })).version;

async function patch(deps: Deps, who: AuthUser, id: string, input: Omit<PatchTip, 'version'>) {
  await patchTip(deps, who, id, { ...input, version: await version(deps, id) }, undefined);
}

/** What the desk did with an item, through the same use cases the API calls. */
async function work(deps: Deps, item: DemoItem, tipOf: Map<string, string>, people: { editor: AuthUser; reporter: AuthUser }) {
  const t = item.triage!;
  const id = tipOf.get(item.key)!;
  const { editor, reporter } = people;
  if (t.mergeInto) {
    await mergeTips(deps, editor, id, tipOf.get(t.mergeInto)!, undefined);
    return;
  }
  if (t.category || t.priority)
    await patch(deps, editor, id, { ...(t.category ? { category: t.category } : {}), ...(t.priority ? { priority: t.priority } : {}) });
  switch (t.status) {
    case 'ASSIGNED':
      await assignTip(deps, editor, id, reporter.id, undefined);
      break;
    case 'CLAIMED':
      await claimTip(deps, reporter, id);
      break;
    case 'IN_PROGRESS':
    case 'PUBLISHED':
      await claimTip(deps, reporter, id);
      await patch(deps, reporter, id, { status: t.status });
      break;
    case 'DISMISSED':
      await patch(deps, editor, id, { status: 'DISMISSED' });
      break;
    default:
      break;
  }
  if (t.note) await addNote(deps, t.status === 'CLAIMED' || t.status === 'PUBLISHED' ? reporter : editor, id, t.note);
}

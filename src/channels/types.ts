import type { Router } from 'express';
import type { Config } from '../config.js';
import type { Tx } from '../db/prisma.js';
import type { Deps } from '../deps.js';
import type { Submission } from '../generated/prisma/client.js';
import type { Channel } from '../generated/prisma/enums.js';
import type { Service } from '../lifecycle/service.js';
import type { JobContext, JobDefinition } from '../queue/job.js';
import type { JobKind } from '../queue/kinds.js';
import type { ContactMessage } from './accept-message.js';

// The channel adapter contract (docs/channels.md). Everything a channel does lives in its
// folder src/channels/<id>/ and is reached through one ChannelAdapter object registered in
// src/channels/index.ts. The rest of the pipeline (the normalize job, replies, intake
// health, start-up, the dashboard's channel list) reads the registry, never a channel folder.

/** Turns one stored submission into a tip or a message on an existing tip's thread; idempotent. */
export type Normalizer = (deps: Deps, submission: Submission, ctx: JobContext) => Promise<void>;

/** What a reply needs to know about its tip. */
export interface ReplyTip {
  id: string;
  reference: string;
  channel: Channel;
  subject: string | null;
  tipster: { phone: string | null; email: string | null; wechatOpenId?: string | null; smsOptOut: boolean } | null;
}

export interface OutboundRequest {
  tip: ReplyTip;
  body: string;
  /** The staff member replying; null for automatic messages. */
  authorId: string | null;
  /** The OUTBOUND Message row's id, chosen by the caller (an email's Message-ID is derived from it). */
  messageId: string;
  now: Date;
}

/**
 * Whether a reply can go out now, shown to the editor before they type (reason is a stable code).
 * A warning lets the reply be written but says it will not leave (the channel's sending is not
 * configured: the message is recorded as SUPPRESSED with the reason).
 */
export type ReplyCheck = { ok: true; warning?: { reason: string; message: string } } | { ok: false; reason: string; message: string };

export interface ReplySender {
  /** The channel the OUTBOUND message is recorded on (a voice tip is answered by SMS). */
  channel: Channel;
  /** Checked before the editor sends (and again on send): contact missing, opted out, outside a window. */
  check(deps: Deps, tip: ReplyTip): ReplyCheck | Promise<ReplyCheck>;
  /** Writes the OUTBOUND Message (QUEUED) and its send job inside the caller's transaction. */
  queue(tx: Tx, deps: Deps, req: OutboundRequest): Promise<{ id: string }>;
}

export interface ChannelAdapter {
  /** Folder name, log and metric label: 'email', 'twilio', 'wechat', 'sms-gateway', 'web'. */
  id: string;
  /** Names for people, Chinese first. */
  label: { zh: string; en: string };
  /** The database channels whose submissions this adapter normalizes and whose tips it answers. */
  channels: readonly Channel[];
  /** On when its settings are present. An off adapter's webhooks answer 503 with a clear message. */
  enabled(config: Config): boolean;
  /** One start-up line: "WeChat intake: off (set WECHAT_TOKEN, …)". Never a secret. */
  describe(config: Config): string;
  /** Receive (push): webhook routes, mounted at `mount`. The adapter parses and verifies its own bodies. */
  routes?(deps: Deps): Router;
  /**
   * Where routes are mounted. Default /webhooks/<id>: providers' webhooks, mounted ahead of every
   * browser middleware, with fixed machine-answer headers (src/http/app.ts). '/' for public pages,
   * behind helmet and before the authenticated /api.
   */
  mount?: string;
  /**
   * The paths whose requests are intake (reported to intake first). Default: the mount. An adapter mounted
   * at '/' must name its own, or every dashboard and /api request behind it would hold back background jobs.
   */
  intakePaths?: string[];
  /** Receive (pull): pollers a worker process runs while the adapter is enabled. */
  services?(deps: Deps): Service[];
  /** Submission → tip or thread message, per database channel. */
  normalize: Partial<Record<Channel, Normalizer>>;
  /**
   * Messages its webhook stores undecided (storeContactMessage: the answer carries no reference code),
   * per database channel: the message rebuilt from the stored submission. The normalize job decides it
   * first (decideStoredMessage), by the rules a deciding webhook applies at once.
   */
  decide?: Partial<Record<Channel, (deps: Deps, submission: Submission) => ContactMessage>>;
  /** The adapter's own queue jobs (sending, media download); delivery state comes back through them or its webhooks. */
  jobs?: JobDefinition<JobKind, Deps>[];
  /** Answers tips that came in on these channels. Absent: the tips of this channel cannot be answered. */
  reply?(tip: ReplyTip): ReplySender | null;
  /** intake_source ids this adapter reports health under (e.g. 'twilio:sms'). */
  sources: readonly string[];
  /** Sources that must keep speaking (a phone that pings): source id → silence in ms after which health shows it stale. */
  silence?(config: Config): Record<string, number>;
}

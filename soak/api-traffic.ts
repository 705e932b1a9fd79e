import type { ApiStats, ClaimRace } from './ledger.js';
import type { Rng } from './fixtures.js';

// Newsroom staff at work while intake is under fire: an editor categorizes new tips and either
// assigns them or leaves them in the pool, where several reporters try to claim the same lead
// at the same moment.

export interface StaffUser {
  id: string;
  email: string;
  token: string;
  role: 'ADMIN' | 'EDITOR' | 'REPORTER';
}

export interface ApiCallResult {
  status: number | 'error';
  body: unknown;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ApiClient {
  constructor(
    private readonly base: string,
    private readonly stats: ApiStats,
  ) {}

  /** One call; connection errors (the API process was killed) come back as status 'error'. */
  async call(method: string, path: string, token: string | null, body?: unknown): Promise<ApiCallResult> {
    this.stats.calls++;
    try {
      const res = await fetch(`${this.base}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(20_000),
      });
      const text = await res.text();
      this.stats.byStatus[res.status] = (this.stats.byStatus[res.status] ?? 0) + 1;
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed };
    } catch {
      this.stats.connectionErrors++;
      this.stats.byStatus.error = (this.stats.byStatus.error ?? 0) + 1;
      return { status: 'error', body: null };
    }
  }

  /** Reads retry through outages (they change nothing). */
  async read(path: string, token: string, deadline: number): Promise<ApiCallResult> {
    for (;;) {
      const r = await this.call('GET', path, token);
      if ((r.status !== 'error' && r.status < 500) || Date.now() > deadline) return r;
      await sleep(300);
    }
  }

  async login(email: string, password: string, deadline: number): Promise<string> {
    for (;;) {
      const r = await this.call('POST', '/api/auth/login', null, { email, password });
      if (r.status === 200) return (r.body as { token: string }).token;
      if (Date.now() > deadline) throw new Error(`login as ${email} failed: ${r.status} ${JSON.stringify(r.body)}`);
      await sleep(300);
    }
  }
}

interface TipSummary {
  id: string;
  version: number;
  status: string;
}

export async function apiTraffic(o: {
  client: ApiClient;
  editor: StaffUser;
  reporters: StaffUser[];
  r: Rng;
  stats: ApiStats;
  trafficEnds: number;
  meanGapMs: number;
}): Promise<void> {
  const { client, editor, reporters, r, stats } = o;
  const deadline = () => Date.now() + 10_000;
  while (Date.now() < o.trafficEnds) {
    await sleep(o.meanGapMs * (0.5 + r.next()));
    // An answer of an unexpected shape is the API's problem, not the traffic's: count it, go on.
    await newsroomStep(client, editor, reporters, r, stats, deadline).catch(() => {
      stats.byStatus.unexpected = (stats.byStatus.unexpected ?? 0) + 1;
    });
  }
}

async function newsroomStep(
  client: ApiClient,
  editor: StaffUser,
  reporters: StaffUser[],
  r: Rng,
  stats: ApiStats,
  deadline: () => number,
): Promise<void> {
  {
    const list = await client.read('/api/tips?status=NEW&sort=oldest&limit=20', editor.token, deadline());
    if (list.status !== 200) return;
    const tips = (list.body as { tips: TipSummary[] }).tips;
    if (!tips.length) return;
    const tip = r.pick(tips);
    // Reading the detail as the editor would before deciding.
    await client.read(`/api/tips/${tip.id}`, editor.token, deadline());
    const patched = await client.call('PATCH', `/api/tips/${tip.id}`, editor.token, {
      version: tip.version,
      category: r.pick(['household', 'neighborhood', 'community']),
      priority: r.pick(['low', 'normal', 'high']),
      status: 'TRIAGED',
    });
    if (patched.status !== 200) return;
    stats.categorized++;
    const after = (patched.body as { tip: TipSummary }).tip;
    if (r.chance(0.4)) {
      const reporter = r.pick(reporters);
      const a = await client.call('POST', `/api/tips/${tip.id}/assign`, editor.token, { reporterId: reporter.id, version: after.version });
      if (a.status === 200) stats.assigned++;
      // The assignee and a colleague both reach for it: only the assignee may have it.
      if (a.status === 200 && r.chance(0.5))
        await claimRace(client, tip.id, [reporter, r.pick(reporters.filter((x) => x.id !== reporter.id))], stats, reporter.id);
    } else {
      await claimRace(client, tip.id, reporters, stats);
    }
    if (r.chance(0.3)) await client.read('/api/leads', r.pick(reporters).token, deadline());
    if (r.chance(0.2)) await client.read('/api/stats', editor.token, deadline());
  }
}

/** Every reporter claims the same lead at once; at most one may win. */
async function claimRace(client: ApiClient, tipId: string, reporters: StaffUser[], stats: ApiStats, onlyWinner?: string): Promise<ClaimRace> {
  const results = await Promise.all(reporters.map((rep) => client.call('POST', `/api/tips/${tipId}/claim`, rep.token, {})));
  const race: ClaimRace = {
    tipId,
    reporters: reporters.length,
    winners: [...new Set(results.flatMap((res, i) => (res.status === 200 ? [reporters[i].id] : [])))],
    statuses: results.map((res) => res.status),
    ...(onlyWinner ? { onlyWinner } : {}),
  };
  stats.claimRaces.push(race);
  return race;
}

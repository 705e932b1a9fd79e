import type { User } from './types.js';

// The session lives in sessionStorage (one tab, gone with it); the token travels only in
// the Authorization header, never in a URL.

const TOKEN_KEY = 'tipdesk.token';
const USER_KEY = 'tipdesk.user';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const session = {
  get token(): string | null {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  get user(): User | null {
    const raw = sessionStorage.getItem(USER_KEY);
    try {
      return raw ? (JSON.parse(raw) as User) : null;
    } catch {
      return null;
    }
  },
  save(token: string, user: User) {
    sessionStorage.setItem(TOKEN_KEY, token);
    sessionStorage.setItem(USER_KEY, JSON.stringify(user));
  },
  setUser(user: User) {
    sessionStorage.setItem(USER_KEY, JSON.stringify(user));
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(USER_KEY);
  },
};

/** Called when the server no longer accepts the token (expired, revoked, user deactivated). */
let onUnauthenticated: () => void = () => {};
export const setUnauthenticatedHandler = (fn: () => void) => {
  onUnauthenticated = fn;
};

function authHeaders(): Record<string, string> {
  const token = session.token;
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function failure(res: Response): Promise<ApiError> {
  let code = 'HTTP_' + res.status;
  let message = res.statusText || 'Request failed';
  let details: unknown;
  try {
    const body = (await res.json()) as { error?: { code?: string; message?: string; details?: unknown } };
    if (body.error) {
      code = body.error.code ?? code;
      message = body.error.message ?? message;
      details = body.error.details;
    }
  } catch {
    /* not JSON: keep the status text */
  }
  if (res.status === 401 && session.token) onUnauthenticated();
  return new ApiError(res.status, code, message, details);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...authHeaders() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}) => api<T>('POST', path, body);
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);

/** Query string from the set values only. */
export function qs(params: Record<string, string | number | null | undefined>): string {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== null && v !== undefined && v !== '') u.set(k, String(v));
  const s = u.toString();
  return s ? `?${s}` : '';
}

// Attachments need the bearer token too, so they are fetched here and shown through blob:
// URLs; each is fetched once per page and released when the view goes away.
const blobUrls = new Map<string, Promise<string>>();

export function attachmentUrl(id: string): Promise<string> {
  let p = blobUrls.get(id);
  if (!p) {
    p = fetch(`/api/attachments/${encodeURIComponent(id)}`, { headers: authHeaders() }).then(async (res) => {
      if (!res.ok) throw await failure(res);
      return URL.createObjectURL(await res.blob());
    });
    p.catch(() => blobUrls.delete(id));
    blobUrls.set(id, p);
  }
  return p;
}

export function releaseAttachmentUrls(): void {
  for (const p of blobUrls.values())
    p.then(
      (u) => URL.revokeObjectURL(u),
      () => {},
    );
  blobUrls.clear();
}

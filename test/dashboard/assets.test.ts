import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHarness, type AppHarness } from '../support/harness.js';

// The page and its assets as the browser gets them: files under a strict CSP, cacheable by ETag.

let h: AppHarness;
beforeAll(async () => {
  h = await createAppHarness();
});
afterAll(async () => h?.close());

describe('dashboard assets', () => {
  it('serves the page with scripts only from its own origin and no inline script', async () => {
    const res = await fetch(`${h.baseUrl}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/assets/app.js"></script>');
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).toContain('<link rel="stylesheet" href="/assets/app.css">');
  });

  it('bundles the client on first request and answers 304 to a matching ETag', async () => {
    const js = await fetch(`${h.baseUrl}/assets/app.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^application\/javascript/);
    const etag = js.headers.get('etag')!;
    const code = await js.text();
    expect(code.length).toBeGreaterThan(10_000);
    // The client builds DOM from text only: no HTML-parsing sinks in what is shipped.
    expect(code).not.toMatch(/\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write/);
    expect((await fetch(`${h.baseUrl}/assets/app.js`, { headers: { 'if-none-match': etag } })).status).toBe(304);

    const css = await fetch(`${h.baseUrl}/assets/app.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    expect(await css.text()).toContain('.tip-row');
  });
});

describe('dashboard bundle weight', () => {
  it('serves the first page minified and compressed (brotli, else gzip), with rarely used views in chunks loaded later', async () => {
    const { request } = await import('node:http');
    const raw = (path: string, headers: Record<string, string>) =>
      new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; bytes: number }>((resolve, reject) => {
        const req = request(`${h.baseUrl}${path}`, { headers }, (res) => {
          let bytes = 0;
          res.on('data', (c: Buffer) => (bytes += c.length));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, bytes }));
        });
        req.on('error', reject);
        req.end();
      });
    // The first page is app.js and the chunks the page preloads beside it.
    const html = await (await fetch(`${h.baseUrl}/`)).text();
    const preloads = [...html.matchAll(/<link rel="modulepreload" href="\/assets\/(chunk-[\w-]+\.js)">/g)].map((m) => m[1]);
    const first = ['app.js', ...preloads];
    const sum = { plain: 0, gzip: 0, br: 0 };
    for (const name of first) {
      const plain = await raw(`/assets/${name}`, {});
      const gz = await raw(`/assets/${name}`, { 'accept-encoding': 'gzip, deflate' });
      const br = await raw(`/assets/${name}`, { 'accept-encoding': 'gzip, deflate, br' });
      expect(plain.status).toBe(200);
      expect(plain.headers['content-encoding']).toBeUndefined();
      expect(gz.headers['content-encoding']).toBe('gzip');
      expect(br.headers['content-encoding']).toBe('br');
      expect(br.headers.vary).toMatch(/Accept-Encoding/i);
      // Chunks are named by content: kept by the browser. app.js keeps its name: revalidated.
      expect(plain.headers['cache-control']).toBe(name === 'app.js' ? 'no-cache' : 'public, max-age=31536000, immutable');
      sum.plain += plain.bytes;
      sum.gzip += gz.bytes;
      sum.br += br.bytes;
    }
    expect(sum.gzip).toBeLessThan(sum.plain / 2.5);
    // The accounts, places and health views are not on the first page: their code is in a chunk of its own.
    const firstCode = (await Promise.all(first.map((n) => fetch(`${h.baseUrl}/assets/${n}`).then((r) => r.text())))).join('\n');
    expect(firstCode).toContain('import(');
    expect(firstCode).not.toContain('/api/auth/password');
    expect((await fetch(`${h.baseUrl}/assets/chunk-none.js`)).status).toBe(404);
    const css = await raw('/assets/app.css', { 'accept-encoding': 'gzip' });
    expect(css.headers['content-encoding']).toBe('gzip');
    console.log(
      `dashboard first page: ${first.length} files, ${sum.plain} B minified, ${sum.gzip} B gzip, ${sum.br} B brotli; app.css ${css.bytes} B gzipped`,
    );
  });
});

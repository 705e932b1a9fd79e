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
    expect(html).toContain('<script defer src="/assets/app.js"></script>');
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
  it('serves the bundle minified and gzip-compressed to a browser that accepts gzip', async () => {
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
    const plain = await raw('/assets/app.js', {});
    const gz = await raw('/assets/app.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toMatch(/Accept-Encoding/i);
    expect(gz.bytes).toBeLessThan(plain.bytes / 2.5);
    const css = await raw('/assets/app.css', { 'accept-encoding': 'gzip' });
    expect(css.headers['content-encoding']).toBe('gzip');
    console.log(`dashboard bundle: app.js ${plain.bytes} B minified, ${gz.bytes} B gzipped; app.css ${css.bytes} B gzipped`);
  });
});

import { Router, type Request, type Response } from 'express';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { buildBundle, firstPageBytes, type Asset, type Bundle } from './bundle.js';

// One bundle per process: the sources do not change while it runs, and rebuilding per
// app instance would cost every test harness a bundle it may never serve.
let bundle: Promise<Bundle> | null = null;

function loadBundle(deps: Deps): Promise<Bundle> {
  if (!bundle) {
    const started = Date.now();
    bundle = buildBundle().then(
      (b) => {
        deps.logger.info({ ms: Date.now() - started, firstPage: firstPageBytes(b), files: b.files.size }, 'dashboard bundle built');
        return b;
      },
      (err: unknown) => {
        bundle = null; // let the next request try again
        deps.logger.error({ err }, 'dashboard bundle failed');
        throw new AppError('UNAVAILABLE', 'Dashboard is not available');
      },
    );
  }
  return bundle;
}

/** The page: app.js as a module, and a modulepreload for each chunk it imports, so they load side by side. */
const indexHtml = (preload: string[]) => `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tipdesk 爆料台</title>
<link rel="stylesheet" href="/assets/app.css">
<script type="module" src="/assets/app.js"></script>
${preload.map((p) => `<link rel="modulepreload" href="/assets/${p}">\n`).join('')}</head>
<body>
<div id="app"><noscript>Tipdesk needs JavaScript.</noscript></div>
</body>
</html>
`;

const TYPES: Record<string, string> = { js: 'application/javascript; charset=utf-8', css: 'text/css; charset=utf-8' };

function sendAsset(req: Request, res: Response, type: string, a: Asset) {
  // app.js and app.css keep their names across deploys: revalidated every time (cheap 304s).
  // Chunks are named by their content hash and kept by the browser.
  res.setHeader('Cache-Control', a.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  res.setHeader('ETag', a.etag);
  res.setHeader('Vary', 'Accept-Encoding');
  if (req.headers['if-none-match'] === a.etag) return res.status(304).end();
  res.type(type);
  const accepts = req.headers['accept-encoding'] ?? '';
  if (/\bbr\b/.test(accepts)) {
    res.setHeader('Content-Encoding', 'br');
    return res.send(a.br);
  }
  if (/\bgzip\b/.test(accepts)) {
    res.setHeader('Content-Encoding', 'gzip');
    return res.send(a.gzip);
  }
  res.send(a.body);
}

export function dashboardRoutes(deps: Deps): Router {
  const r = Router();
  r.get('/', async (_req, res) => {
    // The page still loads (without preload hints) when the bundle failed; app.js then answers the error.
    const b = await loadBundle(deps).catch(() => null);
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(indexHtml(b?.preload ?? []));
  });
  r.get('/assets/:file', async (req, res, next) => {
    const name = req.params.file;
    const type = TYPES[name.slice(name.lastIndexOf('.') + 1)];
    if (!type) return next();
    const a = (await loadBundle(deps)).files.get(name);
    if (!a) return next();
    sendAsset(req, res, type, a);
  });
  return r;
}

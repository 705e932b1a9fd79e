import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import esbuild from 'esbuild';
import { Router, type Request, type Response } from 'express';
import type { Deps } from '../deps.js';
import { AppError } from '../errors.js';
import { css } from './web/styles.js';

// The dashboard is a small TypeScript client under ./web, bundled by esbuild in memory the
// first time it is asked for. Bundling at start-up (rather than in a build step) means
// `npm start`, `npm run dev`, the tests and a container image all serve the same code with
// nothing generated to forget: under tsx the entry is web/main.ts, under dist it is the
// tsc output web/main.js. The styles live in web/styles.ts for the same reason (tsc does
// not copy .css files into dist). esbuild is therefore a runtime dependency.

interface Asset {
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

interface Bundle {
  js: Asset;
  css: Asset;
}

// One bundle per process: the sources do not change while it runs, and rebuilding per
// app instance would cost every test harness a bundle it may never serve.
let bundle: Promise<Bundle> | null = null;

function entryPoint(): string {
  const here = fileURLToPath(import.meta.url);
  const ext = extname(here);
  const entry = join(dirname(here), 'web', `main${ext}`);
  if (!existsSync(entry)) throw new Error(`dashboard entry point missing: ${entry}`);
  return entry;
}

/** An asset with its gzip made once (the bundle never changes while the process runs). */
function asset(text: string): Asset {
  const body = Buffer.from(text, 'utf8');
  return { body, gzip: gzipSync(body, { level: 9 }), etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 20)}"` };
}

async function buildBundle(minify: boolean): Promise<Bundle> {
  const entry = entryPoint();
  const js = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify,
    legalComments: 'none',
    outfile: 'app.js',
    logLevel: 'silent',
  });
  return { js: asset(js.outputFiles[0].text), css: asset(minifyCss(css)) };
}

function loadBundle(deps: Deps): Promise<Bundle> {
  if (!bundle) {
    const started = Date.now();
    // Minified everywhere (tests included), so what is measured and tested is what is served;
    // the stack traces the desk would read are in the browser's console either way.
    bundle = buildBundle(true).then(
      (b) => {
        deps.logger.info({ ms: Date.now() - started, bytes: b.js.body.length, gzipBytes: b.js.gzip.length }, 'dashboard bundle built');
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

const INDEX_HTML = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Tipdesk 爆料台</title>
<link rel="stylesheet" href="/assets/app.css">
<script defer src="/assets/app.js"></script>
</head>
<body>
<div id="app"><noscript>Tipdesk needs JavaScript.</noscript></div>
</body>
</html>
`;

/** Whitespace and comments out of the stylesheet (no CSS minifier needed for a hand-written sheet). */
function minifyCss(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s*\n\s*/g, '')
    .replace(/\s*([{};,])\s*/g, '$1')
    .trim();
}

function sendAsset(req: Request, res: Response, type: string, a: Asset) {
  // Revalidate every time (cheap 304s) so a deploy is picked up without cache-busting names.
  res.setHeader('Cache-Control', 'no-cache');
  res.setHeader('ETag', a.etag);
  res.setHeader('Vary', 'Accept-Encoding');
  if (req.headers['if-none-match'] === a.etag) return res.status(304).end();
  res.type(type);
  if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
    res.setHeader('Content-Encoding', 'gzip');
    return res.send(a.gzip);
  }
  res.send(a.body);
}

export function dashboardRoutes(deps: Deps): Router {
  const r = Router();
  r.get('/', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(INDEX_HTML);
  });
  r.get('/assets/app.js', async (req, res) => {
    const b = await loadBundle(deps);
    sendAsset(req, res, 'application/javascript; charset=utf-8', b.js);
  });
  r.get('/assets/app.css', async (req, res) => {
    const b = await loadBundle(deps);
    sendAsset(req, res, 'text/css; charset=utf-8', b.css);
  });
  return r;
}

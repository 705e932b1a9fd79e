import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import esbuild from 'esbuild';
import { css } from './web/styles.js';

// The dashboard is a small TypeScript client under ./web, bundled by esbuild in memory the
// first time it is asked for. Bundling at start-up (rather than in a build step) means
// `npm start`, `npm run dev`, the tests and a container image all serve the same code with
// nothing generated to forget: under tsx the entry is web/main.ts, under dist it is the
// tsc output web/main.js. The styles live in web/styles.ts for the same reason (tsc does
// not copy .css files into dist). esbuild is therefore a runtime dependency.
//
// The bundle is ES modules with code splitting: app.js holds what the first page (login,
// inbox, leads) needs; the views loaded with import() (the tip view, accounts, places, intake
// health) and the code they share are chunk-<hash>.js files fetched when first needed.

export interface Asset {
  body: Buffer;
  gzip: Buffer;
  br: Buffer;
  etag: string;
  /** A chunk's name carries its content hash: it never changes, so browsers may keep it. */
  immutable: boolean;
}

export interface Bundle {
  /** By file name: app.js, chunk-*.js, app.css. */
  files: Map<string, Asset>;
  /** Chunks app.js imports statically: the page preloads them beside it (no request waterfall). */
  preload: string[];
}

function entryPoint(): string {
  const here = fileURLToPath(import.meta.url);
  const entry = join(dirname(here), 'web', `main${extname(here)}`);
  if (!existsSync(entry)) throw new Error(`dashboard entry point missing: ${entry}`);
  return entry;
}

/** An asset compressed once (the bundle never changes while the process runs). */
function asset(body: Buffer, immutable = false): Asset {
  return {
    body,
    gzip: gzipSync(body, { level: 9 }),
    br: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } }),
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 20)}"`,
    immutable,
  };
}

/** Whitespace and comments out of the stylesheet (no CSS minifier needed for a hand-written sheet). */
export function minifyCss(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s*\n\s*/g, '')
    .replace(/\s*([{};,])\s*/g, '$1')
    .trim();
}

export async function buildBundle(): Promise<Bundle> {
  // Minified everywhere (tests included), so what is measured and tested is what is served.
  const r = await esbuild.build({
    entryPoints: { app: entryPoint() },
    bundle: true,
    write: false,
    format: 'esm',
    splitting: true,
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    legalComments: 'none',
    outdir: 'out',
    entryNames: '[name]',
    chunkNames: 'chunk-[hash]',
    metafile: true,
    logLevel: 'silent',
  });
  const files = new Map<string, Asset>();
  for (const f of r.outputFiles) files.set(basename(f.path), asset(Buffer.from(f.contents), basename(f.path) !== 'app.js'));
  files.set('app.css', asset(Buffer.from(minifyCss(css), 'utf8')));
  const app = Object.entries(r.metafile.outputs).find(([, o]) => o.entryPoint)?.[1];
  const preload = (app?.imports ?? []).filter((i) => i.kind === 'import-statement').map((i) => basename(i.path));
  return { files, preload };
}

/** The bytes the first page costs (app.js and the chunks it imports statically), for the log and the weight test. */
export function firstPageBytes(b: Bundle): { raw: number; gzip: number; br: number } {
  const first = ['app.js', ...b.preload].map((n) => b.files.get(n)!);
  return {
    raw: first.reduce((n, a) => n + a.body.length, 0),
    gzip: first.reduce((n, a) => n + a.gzip.length, 0),
    br: first.reduce((n, a) => n + a.br.length, 0),
  };
}

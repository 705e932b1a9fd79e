#!/usr/bin/env node
// Builds dist/ (Prisma client + tsc) only when an input changed since the last build, so a second
// `npm start` on an unchanged checkout starts at once instead of spending 30–45 s in tsc.
// "Changed" = some input file or folder (a folder's mtime moves when a file is added, removed or
// renamed) is newer than dist/.build-stamp, which is stamped with the time the last good build began
// (an edit made during a build is therefore seen by the next start). `--force` always builds.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const stamp = path.join(root, 'dist', '.build-stamp');
// Everything tsc or prisma generate reads. src/generated is their output, not an input.
const inputs = ['src', 'workers', 'scripts', 'prisma/schema.prisma', 'prisma.config.ts', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
const outputs = [
  'dist/workers/tipdesk.js',
  'dist/workers/api.js',
  'dist/workers/worker.js',
  'dist/scripts/user-create.js',
  'src/generated/prisma/client.ts',
];
const skip = new Set([path.join(root, 'src', 'generated')]);

/** Newest mtime (ms) under p, folders included; 0 when p is missing. */
function newest(p) {
  if (skip.has(p) || !existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const name of readdirSync(p)) max = Math.max(max, newest(path.join(p, name)));
  return max;
}

function reason() {
  if (process.argv.includes('--force')) return 'asked to (--force)';
  if (!existsSync(stamp)) return 'no previous build';
  const missing = outputs.find((o) => !existsSync(path.join(root, o)));
  if (missing) return `${missing} is missing`;
  const built = statSync(stamp).mtimeMs;
  const changed = inputs.find((i) => newest(path.join(root, i)) > built);
  return changed ? `${changed} changed since the last build` : null;
}

function step(args) {
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const why = reason();
if (why) {
  const began = new Date();
  console.log(`Building (${why})...`);
  step([path.join(root, 'scripts', 'prisma-generate.mjs')]);
  step([path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
  // Data files the compiled modules read at run time (tsc copies only .ts output).
  step([path.join(root, 'scripts', 'copy-data.mjs')]);
  mkdirSync(path.dirname(stamp), { recursive: true });
  writeFileSync(stamp, `built from the sources as of ${began.toISOString()}\n`);
  utimesSync(stamp, began, began);
}

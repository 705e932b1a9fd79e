#!/usr/bin/env node
// tsc compiles only .ts: the language data files (gazetteer, newsroom places) are read at run
// time next to the compiled modules (new URL('./data/…', import.meta.url)), so the build copies them.
import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
for (const dir of ['src/tips/language/data']) {
  const to = path.join(root, 'dist', dir);
  mkdirSync(to, { recursive: true });
  cpSync(path.join(root, dir), to, { recursive: true, filter: (p) => !p.includes('.') || p.endsWith('.json') });
}

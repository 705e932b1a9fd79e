import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../src/config.js';

// docs/configuration.md documents every setting of src/config.ts's ConfigSchema; this keeps the two
// in step. A setting is a table row whose first cell is the `NAME` and whose second is its default.

const doc = readFileSync(path.resolve(import.meta.dirname, '../../docs/configuration.md'), 'utf8');

interface Row {
  name: string;
  default: string;
  meaning: string;
  line: number;
}

function settingRows(markdown: string): Row[] {
  const rows: Row[] = [];
  markdown.split('\n').forEach((text, i) => {
    // Split on pipes not escaped as \| (a meaning may contain one).
    const cells = text
      .trim()
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim());
    const name = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[0] ?? '')?.[1];
    if (name && cells.length >= 3) rows.push({ name, default: cells[1]!, meaning: cells.slice(2).join(' | '), line: i + 1 });
  });
  return rows;
}

/** How the doc writes a default: `value` in backticks, or — when there is none. */
function documentedDefault(key: string): string {
  const field = ConfigSchema.shape[key as keyof typeof ConfigSchema.shape];
  const parsed = field.safeParse(undefined);
  if (!parsed.success) throw new Error(`${key} has no default and is not optional`);
  const v: unknown = parsed.data;
  if (v === undefined || (Array.isArray(v) && v.length === 0)) return '—';
  return `\`${Array.isArray(v) ? v.join(',') : String(v)}\``;
}

const rows = settingRows(doc);
const keys = Object.keys(ConfigSchema.shape);

describe('docs/configuration.md', () => {
  it('lists every setting of ConfigSchema, and nothing else, once', () => {
    const documented = rows.map((r) => r.name);
    const missing = keys.filter((k) => !documented.includes(k));
    const extra = documented.filter((k) => !keys.includes(k));
    const twice = documented.filter((k, i) => documented.indexOf(k) !== i);
    expect(
      { missing, extra, twice },
      `docs/configuration.md is out of step with src/config.ts: add a row for each missing key, remove each extra one`,
    ).toEqual({ missing: [], extra: [], twice: [] });
  });

  it('gives each setting the default ConfigSchema applies, and a meaning', () => {
    const wrong = rows
      .filter((r) => keys.includes(r.name))
      .filter((r) => r.default !== documentedDefault(r.name) || r.meaning === '')
      .map(
        (r) =>
          `line ${r.line}: ${r.name} says ${r.default}, ConfigSchema's default is ${documentedDefault(r.name)}${r.meaning ? '' : ' (no meaning given)'}`,
      );
    expect(wrong).toEqual([]);
  });
});

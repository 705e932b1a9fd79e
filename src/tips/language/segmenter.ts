import { createRequire } from 'node:module';
import { Jieba } from '@node-rs/jieba';
import { normalizeNumbers } from './numbers.js';

/** Word segmentation, behind an interface so tests and callers never touch jieba directly. */
export interface Segmenter {
  /** Words of the (already normalized) text, punctuation and spaces dropped. */
  cut(text: string): string[];
}

export interface UserWord {
  word: string;
  /** Part of speech in jieba's tag set: ns place, n noun, v verb, i idiom. */
  tag?: string;
}

/**
 * Builds one jieba instance with its default dictionary plus the newsroom's words (places,
 * incident phrases). It reads about 5 MB and takes a few hundred milliseconds, so build it
 * once per process (see lazySegmenter) and pass it in; nothing happens at import time.
 */
export function createSegmenter(userWords: UserWord[] = []): Segmenter {
  // The dictionary module reads its file when loaded, so it is required here, not imported.
  const require = createRequire(import.meta.url);
  const { dict } = require('@node-rs/jieba/dict.js') as { dict: Uint8Array };
  const jieba = Jieba.withDict(dict);
  const lines = dedupe(userWords)
    .filter((w) => w.word.length > 1 && !/\s/.test(w.word))
    // A high frequency makes jieba keep the word whole (柳航里, 困梯, 黑灯瞎火).
    .map((w) => `${w.word} 200000 ${w.tag ?? 'n'}`);
  if (lines.length) jieba.loadDict(Buffer.from(lines.join('\n') + '\n'));
  return {
    cut(text: string) {
      return jieba.cut(text, true).filter((w) => /[\p{L}\p{N}]/u.test(w));
    },
  };
}

/** Defers building the segmenter until the first cut; the instance is then reused. */
export function lazySegmenter(build: () => Segmenter): Segmenter {
  let inst: Segmenter | undefined;
  return { cut: (text) => (inst ??= build()).cut(text) };
}

function dedupe(ws: UserWord[]): UserWord[] {
  const seen = new Map<string, UserWord>();
  for (const w of ws) if (!seen.has(w.word)) seen.set(w.word, w);
  return [...seen.values()];
}

/** Segments text after number normalization: what every other module works on. */
export function words(seg: Segmenter, text: string): string[] {
  return seg.cut(normalizeNumbers(text));
}

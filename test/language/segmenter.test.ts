import { describe, expect, it } from 'vitest';
import { createSegmenter, lazySegmenter, type Segmenter } from '../../src/tips/language/segmenter.js';

describe('segmenter', () => {
  it('keeps user words whole and drops punctuation', () => {
    const seg = createSegmenter([{ word: '柳航里', tag: 'ns' }]);
    const ws = seg.cut('柳航里漏水，快来');
    expect(ws.slice(0, 2)).toEqual(['柳航里', '漏水']);
    expect(ws).not.toContain('，');
  });
  it('is built lazily, once', () => {
    let built = 0;
    const seg = lazySegmenter((): Segmenter => {
      built++;
      return { cut: (t) => [t] };
    });
    expect(built).toBe(0);
    seg.cut('a');
    seg.cut('b');
    expect(built).toBe(1);
  });
});

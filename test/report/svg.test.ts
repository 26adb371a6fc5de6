/** The SVG primitives: escaping, path data, thinning, axes. */
import { describe, expect, it } from 'vitest';
import { makeScale } from '../../src/report/index.js';
import { chartSvg, dotsPath, linePath, px, rectPath, stepAreaPath, tag, text, xAxis } from '../../src/report/svg.js';

describe('tag and text', () => {
  it('escapes attribute values and leaves out undefined and false attributes', () => {
    expect(tag('path', { d: 'M0 0', class: 'a"b<c', hidden: false, id: undefined })).toBe('<path d="M0 0" class="a&quot;b&lt;c"/>');
    expect(tag('g', { open: true }, '')).toBe('<g open></g>');
  });

  it('writes numeric attributes with one decimal', () => {
    expect(tag('text', { x: 1.26, y: -0.04 }, 'a')).toBe('<text x="1.3" y="0">a</text>');
  });

  it('escapes text content, so a hostile feature name stays text', () => {
    expect(text(1, 2, '<script>alert(1)</script>')).toBe('<text x="1" y="2">&lt;script&gt;alert(1)&lt;/script&gt;</text>');
  });
});

describe('path data', () => {
  it('px rounds to a tenth of a pixel and never prints -0', () => {
    expect(px(1.26)).toBe('1.3');
    expect(px(-0.04)).toBe('0');
    expect(px(12)).toBe('12');
  });

  it('linePath skips points within half a pixel of the last kept one but keeps the last', () => {
    expect(linePath([[0, 0], [0.1, 0.1], [0.2, 0.2], [10, 10]])).toBe('M0 0L10 10');
    expect(linePath([[0, 0], [0.1, 0]])).toBe('M0 0L0.1 0');
    expect(linePath([])).toBe('');
  });

  it('linePath turns 20,000 points on a 500 px curve into at most ~1,000 segments', () => {
    const pts = Array.from({ length: 20000 }, (_, i) => [i / 40, 100 - Math.sqrt(i) / 2] as const);
    const segments = linePath(pts).split('L').length - 1;
    expect(segments).toBeGreaterThan(100);
    expect(segments).toBeLessThan(1100);
  });

  it('stepAreaPath outlines the bins from the baseline', () => {
    expect(stepAreaPath([0, 10, 20], [5, 3], 50)).toBe('M0 50V5H10V3H20V50Z');
  });

  it('rectPath and dotsPath', () => {
    expect(rectPath(1, 2, 3, 4)).toBe('M1 2h3v4h-3Z');
    expect(dotsPath([[1, 2], [3, 4]])).toBe('M1 2h0M3 4h0');
    // Whole pixels; a second dot on the same pixel is not drawn again.
    expect(dotsPath([[1.2, 2.4], [0.8, 1.6], [3.6, 4]])).toBe('M1 2h0M4 4h0');
  });
});

describe('chartSvg', () => {
  it('is an accessible image named by its escaped title and description', () => {
    const svg = chartSvg({ id: 'c1', title: '<b>PSI</b>', description: 'a & b', width: 100, height: 50 }, '');
    expect(svg).toContain('role="img"');
    expect(svg).toContain('aria-labelledby="c1-title c1-desc"');
    expect(svg).toContain('<title id="c1-title">&lt;b&gt;PSI&lt;/b&gt;</title>');
    expect(svg).toContain('<desc id="c1-desc">a &amp; b</desc>');
    expect(svg).toContain('viewBox="0 0 100 50"');
  });
});

describe('xAxis', () => {
  it('labels every tick when they fit and every other tick on a narrow axis', () => {
    const area = { left: 0, top: 0, right: 400, bottom: 100 };
    const wide = xAxis(makeScale({ kind: 'linear', extent: [0, 1], range: [0, 400], nice: false }), area, 'x');
    expect(wide.match(/class="tick-label"/g)).toHaveLength(6);
    const narrow = xAxis(makeScale({ kind: 'linear', extent: [0, 20000], range: [0, 80], nice: false, tickCount: 4 }), { ...area, right: 80 }, 'x');
    expect(narrow.match(/class="tick"/g)).toHaveLength(5);
    expect(narrow.match(/class="tick-label"/g)!.length).toBeLessThan(5);
    expect(narrow).toContain('>0</text>');
  });
});

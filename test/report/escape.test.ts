import { describe, expect, it } from 'vitest';
import { escapeHtml } from '../../src/report/index.js';

describe('escapeHtml', () => {
  it('replaces the five characters that can end text or an attribute value', () => {
    expect(escapeHtml(`<script>alert("x" & 'y')</script>`)).toBe('&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;');
  });

  it('leaves other text, including non-ASCII, as it is', () => {
    expect(escapeHtml('net_bytes_in – Δ 10⁻⁵')).toBe('net_bytes_in – Δ 10⁻⁵');
  });
});

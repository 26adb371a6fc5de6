/**
 * Text in .npy/.npz files as NumPy writes it: unicode arrays (`<U12`, each element 12 UTF-32 code
 * units, NUL-padded), so `numpy.load(f)["feature_names"]` gives strings. Older dadm files stored text
 * as UTF-8 bytes (`|u1`); {@link npyStrings} reads both.
 */
import { FormatError } from '../errors.js';
import type { NpyArrayLike } from './npy.js';
import type { NpyTypedArray } from './npy-dtype.js';

/**
 * Strings as a NumPy unicode array to write (writeNpy / writeNpz): shape `[n]`, or `[]` for one string
 * when `scalar`. The element width is the longest string's code-point count (at least 1).
 */
export function textArray(strings: readonly string[], scalar = false): NpyArrayLike {
  if (scalar && strings.length !== 1) throw new FormatError(`textArray: a scalar must hold one string, got ${strings.length}`, 'textArray');
  const points = strings.map((s) => Array.from(s, (c) => c.codePointAt(0)!));
  const chars = Math.max(1, ...points.map((p) => p.length));
  const data = new Uint32Array(strings.length * chars);
  points.forEach((p, i) => data.set(p, i * chars));
  return { data, shape: scalar ? [] : [strings.length], dtype: `<U${chars}` };
}

/**
 * The strings of an array read with `readNpyTyped(..., { text: true })`: every element of a `<U…`
 * array (trailing NULs removed, as NumPy does), or the one UTF-8 string of a legacy `|u1` byte array.
 * @throws FormatError naming `where` for any other dtype or bytes that are not UTF-8
 */
export function npyStrings(a: { readonly data: NpyTypedArray; readonly shape: readonly number[]; readonly dtype: string }, where: string): string[] {
  const u = /^[<>|=]?U(\d+)$/.exec(a.dtype);
  if (u !== null && a.data instanceof Uint32Array) {
    const chars = Number(u[1]);
    const out: string[] = [];
    for (let at = 0; at < a.data.length; at += chars) {
      let end = at + chars;
      while (end > at && a.data[end - 1] === 0) end--;
      let s = '';
      for (let k = at; k < end; k++) {
        const c = a.data[k]!;
        if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) throw new FormatError(`${where}: text must hold Unicode code points, got ${c}`, where);
        s += String.fromCodePoint(c);
      }
      out.push(s);
    }
    return out;
  }
  if (a.dtype === '|u1' && a.data instanceof Uint8Array && a.shape.length === 1) {
    try {
      return [new TextDecoder('utf-8', { fatal: true }).decode(a.data)];
    } catch {
      throw new FormatError(`${where}: text bytes must be UTF-8, got invalid bytes`, where);
    }
  }
  throw new FormatError(`${where}: dtype must be text ('<U…', or UTF-8 bytes '|u1' [n] from older files), got '${a.dtype}' ${JSON.stringify(a.shape)}`, where);
}

/**
 * Mutations of parsed JSON values (safetensors headers, checkpoint metadata, drift-reference
 * meta_json): one node somewhere in the tree is replaced by a value that breaks size or type
 * assumptions — huge or negative numbers, null, wrong container types, deep nesting, long arrays.
 */
import type { Rng } from './mutate-bytes.js';

/** A value chosen to break a reader that trusts types or sizes. */
function hostileValue(rng: Rng): unknown {
  switch (rng.below(10)) {
    case 0: return null;
    case 1: return rng.interesting();
    case 2: return rng.interesting() + 0.5;
    case 3: return [];
    case 4: return {};
    case 5: return rng.pick(['', 'x', 'NaN', 'Infinity', '-1', '1e308', '__proto__', 'constructor']);
    case 6: return Array.from({ length: 1 + rng.below(4) }, () => rng.interesting());
    case 7: {
      let v: unknown = rng.interesting();
      for (let d = rng.below(200); d > 0; d--) v = [v];
      return v;
    }
    case 8: return rng.chance(0.5);
    default: return Array.from({ length: rng.below(3000) }, () => rng.below(3));
  }
}

/** A copy of `value` with one node replaced, a key removed, or an element duplicated. */
export function mutateJson(rng: Rng, value: unknown): unknown {
  const copy: unknown = JSON.parse(JSON.stringify(value ?? null));
  const holders: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown, depth: number): void => {
    if (depth > 50 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        holders.push({ parent: v, key: i });
        walk(item, depth + 1);
      });
    } else {
      for (const [k, item] of Object.entries(v)) {
        holders.push({ parent: v as Record<string, unknown>, key: k });
        walk(item, depth + 1);
      }
    }
  };
  walk(copy, 0);
  if (holders.length === 0) return hostileValue(rng);
  const { parent, key } = rng.pick(holders);
  const action = rng.below(5);
  if (action === 0 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
  else if (action === 1 && Array.isArray(parent)) parent.push(parent[key as number]);
  else (parent as Record<string | number, unknown>)[key] = hostileValue(rng);
  return copy;
}

/** Mutates JSON text: structurally when it parses, byte-wise otherwise. */
export function mutateJsonText(rng: Rng, text: string): string {
  try {
    return JSON.stringify(mutateJson(rng, JSON.parse(text)));
  } catch {
    const at = rng.below(text.length + 1);
    return text.slice(0, at) + rng.pick(['', '"', '{', ']', '\\u0000', 'null']) + text.slice(at + rng.below(4));
  }
}

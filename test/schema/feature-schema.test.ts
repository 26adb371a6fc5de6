import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from '../../src/errors.js';
import {
  CORE_FEATURE_DIM,
  CORE_FEATURES,
  ENDPOINT_V1,
  ENDPOINT_V1_DEFINITION,
  FEATURE_DIM,
  genericSchema,
  schemaForMode,
  schemaHash,
  type SchemaDefinition,
} from '../../src/schema/index.js';
import { expectError } from '../tensor/expect-error.js';

/** Independent canonical JSON: JSON.stringify with a replacer that rebuilds objects with sorted keys. */
function naiveCanonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) sorted[k] = (v as Record<string, unknown>)[k];
    return sorted;
  });
}

function withFeature(def: SchemaDefinition, j: number, patch: object): SchemaDefinition {
  return { ...def, features: def.features.map((f, i) => (i === j ? { ...f, ...patch } : f)) };
}

describe('endpoint-v1 schema', () => {
  it('has 12 named core features with units, padded to width 64', () => {
    expect(FEATURE_DIM).toBe(64);
    expect(CORE_FEATURE_DIM).toBe(12);
    expect(ENDPOINT_V1.name).toBe('endpoint-v1');
    expect(ENDPOINT_V1.version).toBe('1.0.0');
    expect(ENDPOINT_V1.dim).toBe(64);
    expect(ENDPOINT_V1.activeFeatures).toBe(12);
    expect(ENDPOINT_V1.featureNames).toEqual([
      'process_spawn_count',
      'unique_process_count',
      'cmdline_entropy',
      'net_bytes_out',
      'net_bytes_in',
      'net_unique_dest_ips',
      'net_failed_connections',
      'file_write_count',
      'file_rename_count',
      'file_unique_extensions',
      'privilege_escalation_events',
      'admin_session_count',
    ]);
    expect(ENDPOINT_V1.units).toHaveLength(12);
    for (const u of ENDPOINT_V1.units) expect(u.length).toBeGreaterThan(0);
    for (const f of CORE_FEATURES) expect(f.scale).toBeGreaterThan(0);
  });

  it('hash is sha256 of the sorted-key JSON of the definition', () => {
    const expected = createHash('sha256').update(naiveCanonical(ENDPOINT_V1_DEFINITION)).digest('hex');
    expect(ENDPOINT_V1.hash).toBe(expected);
    expect(schemaHash(ENDPOINT_V1_DEFINITION)).toBe(expected);
  });

  it('hash is pinned: changing any endpoint-v1 constant must be a deliberate new schema version', () => {
    // Golden value also printed in docs/feature-schema.md; artifacts written by earlier builds carry it.
    expect(ENDPOINT_V1.hash).toBe('c1211a3f879ade31ba4bcb2ec7ede67dc72bea43d982439066037df210ddda37');
  });

  it('hash does not depend on key order', () => {
    const reordered: SchemaDefinition = {
      features: ENDPOINT_V1_DEFINITION.features.map((f) => ({ scale: f.scale, offset: f.offset, unit: f.unit, transform: f.transform, name: f.name })),
      clip: ENDPOINT_V1_DEFINITION.clip,
      activeFeatures: 12,
      dim: 64,
      version: '1.0.0',
      name: 'endpoint-v1',
    };
    expect(schemaHash(reordered)).toBe(ENDPOINT_V1.hash);
  });

  it('hash changes when any constant, name, unit or dimension changes', () => {
    const d = ENDPOINT_V1_DEFINITION;
    const variants: SchemaDefinition[] = [
      withFeature(d, 3, { offset: d.features[3]!.offset + 0.1 }),
      withFeature(d, 0, { scale: d.features[0]!.scale * 1.01 }),
      withFeature(d, 2, { unit: 'bits' }),
      withFeature(d, 5, { name: 'net_dest_ips' }),
      withFeature(d, 7, { transform: 'identity' }),
      { ...d, dim: 128 },
      { ...d, clip: 5 },
      { ...d, version: '1.0.1' },
    ];
    const hashes = new Set(variants.map(schemaHash));
    expect(hashes.size).toBe(variants.length);
    expect(hashes.has(ENDPOINT_V1.hash)).toBe(false);
  });
});

describe('genericSchema', () => {
  it('activates every column, names them f0..f{D-1} and has no padding', () => {
    const s = genericSchema(5);
    expect(s.featureNames).toEqual(['f0', 'f1', 'f2', 'f3', 'f4']);
    expect(s.dim).toBe(5);
    expect(s.activeFeatures).toBe(5);
    expect(s.name).toBe('generic');
    expect(s.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(genericSchema(6).hash).not.toBe(s.hash);
    expect(genericSchema(5).hash).toBe(s.hash);
  });

  it('throws InvalidOptionError for a non-positive or fractional width', () => {
    expectError(() => genericSchema(0), InvalidOptionError, /^genericSchema: width must be a positive integer, got 0$/);
    expectError(() => genericSchema(2.5), InvalidOptionError, /^genericSchema: width must be a positive integer, got 2.5$/);
  });
});

describe('schemaForMode', () => {
  it("maps 'endpoint-v1' and 'none' and rejects other names", () => {
    expect(schemaForMode('endpoint-v1', 64)).toBe(ENDPOINT_V1);
    expect(schemaForMode('none', 7).dim).toBe(7);
    expectError(() => schemaForMode('endpoint-v2', 64), InvalidOptionError, /schema: name must be 'endpoint-v1' or 'none', got 'endpoint-v2'/);
  });
});

import { describe, expect, it } from 'vitest';
import { DataError } from '../../src/errors.js';
import { dynamicQuantizeLinear } from '../../src/quant/index.js';
import { readJson, type JsonTensor } from './quant-fixtures.js';
import { expectError } from '../tensor/expect-error.js';

interface DqlCase {
  id: string;
  x: JsonTensor;
  y: JsonTensor;
  y_scale: number;
  y_zero_point: number;
}
const cases = readJson<{ dynamic_quantize_linear: DqlCase[] }>('quant.json').dynamic_quantize_linear;

describe('dynamicQuantizeLinear: quant.json dynamic_quantize_linear', () => {
  it('covers every case of the fixture', () => {
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  for (const c of cases) {
    it(`${c.id}: y, scale and zero point are exact`, () => {
      const x = Float32Array.from(c.x.data);
      const r = dynamicQuantizeLinear(x);
      expect(r.scale).toBe(c.y_scale);
      expect(r.zeroPoint).toBe(c.y_zero_point);
      expect(Array.from(r.y)).toEqual(c.y.data);
      expect(x).toEqual(Float32Array.from(c.x.data)); // input untouched
    });
  }
});

describe('dynamicQuantizeLinear: errors', () => {
  it('throws DataError for NaN input', () => {
    expectError(() => dynamicQuantizeLinear(Float32Array.of(0, NaN)), DataError, /dynamicQuantizeLinear: x must be finite, got NaN at index 1/);
  });
});

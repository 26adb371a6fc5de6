import { describe, expect, it } from 'vitest';
import { InvalidOptionError, LimitError } from '../src/errors.js';
import { ByteBudget, DEFAULT_LIMITS, LIMIT_CONFIG_KEYS, checkLimit, resolveLimits } from '../src/limits.js';
import { expectError } from './tensor/expect-error.js';

describe('resolveLimits', () => {
  it('applies overrides over the documented defaults', () => {
    expect(DEFAULT_LIMITS.maxTensorBytes).toBe(2 ** 30);
    const limits = resolveLimits({ maxTensorBytes: 5, maxYamlNodes: undefined });
    expect(limits).toEqual({ ...DEFAULT_LIMITS, maxTensorBytes: 5 });
    expect(Object.keys(LIMIT_CONFIG_KEYS).sort()).toEqual(['maxFileBytes', 'maxOnnxFileBytes', 'maxTensorBytes', 'maxTotalBytes']);
  });

  it('refuses unknown keys and values that are not positive integers', () => {
    expectError(() => resolveLimits({ maxTensorBytes: 0 }), InvalidOptionError, /^limits: maxTensorBytes must be a positive integer, got 0$/);
    expectError(() => resolveLimits({ maxTotalBytes: 1.5 }), InvalidOptionError, /^limits: maxTotalBytes must be a positive integer, got 1\.5$/);
    expectError(() => resolveLimits({ maxTensorByte: 1 } as never), InvalidOptionError, /^limits: keys must be one of maxTensorBytes, .*, got maxTensorByte$/);
  });
});

describe('checkLimit and ByteBudget', () => {
  it('names the place, the thing, the limit and its config key', () => {
    const err = expectError(() => checkLimit(resolveLimits(), 'maxTensorBytes', 2 ** 33, 'x.npy', 'array'), LimitError, /^x\.npy: array must be at most 1073741824 bytes \(raise limits\.max_tensor_bytes\), got 8589934592 bytes$/);
    expect([err.limit, err.allowed, err.requested]).toEqual(['maxTensorBytes', 2 ** 30, 2 ** 33]);
    expectError(() => checkLimit(resolveLimits(), 'maxTensorBytes', NaN, 'x', 'a'), LimitError, /got NaN bytes$/);
    expectError(() => checkLimit(resolveLimits(), 'maxTensorBytes', 2 ** 80, 'x', 'a'), LimitError, /got 1\.209e\+24 bytes$/);
  });

  it('keeps a running total that starts from what is already held', () => {
    const budget = new ByteBudget(resolveLimits({ maxTensorBytes: 10, maxTotalBytes: 25 }), 5);
    budget.reserve(10, 'm', 'a');
    expect(budget.total).toBe(15);
    expectError(() => budget.reserve(11, 'm', 'b'), LimitError, /^m: b must be at most 10 bytes/);
    budget.reserve(10, 'm', 'c');
    expectError(() => budget.reserve(1, 'm', 'd'), LimitError, /^m: total size of the arrays with d must be at most 25 bytes \(raise limits\.max_total_bytes\), got 26 bytes$/);
  });
});

import { describe, expect, it } from 'vitest';
import { ProgressPrinter, formatDuration, progressBar } from '../../src/cli/progress.js';

describe('ProgressPrinter', () => {
  it('draws a bar with rate and ETA on a TTY and a permanent line per epoch', () => {
    let out = '';
    let t = 0;
    const p = new ProgressPrinter({ write: (s: string) => (out += s), isTTY: true, columns: 200 }, true, () => t);
    p.onProgress({ kind: 'step', epoch: 1, epochs: 2, step: 1, steps: 4, rowsDone: 100, rowsTotal: 400, loss: 0.5 });
    t = 1000;
    p.onProgress({ kind: 'step', epoch: 1, epochs: 2, step: 2, steps: 4, rowsDone: 200, rowsTotal: 400, loss: 0.4 });
    expect(out).toContain('epoch 1/2 [############............]  50%  200 rows/s  ETA 0:01  loss 0.4000');
    p.onProgress({ kind: 'epoch', epoch: 1, epochs: 2, trainLoss: 0.25, validationLoss: 0.3, best: true, seconds: 2 });
    expect(out.endsWith('\r\x1b[2Kepoch 1/2  train_loss 0.25000  validation_loss 0.30000  2.0 s  *\n')).toBe(true);
  });

  it('writes a plain progress line every few seconds when not a TTY, none for a pass that ends sooner', () => {
    let out = '';
    let t = 0;
    const p = new ProgressPrinter({ write: (s: string) => (out += s) }, true, () => t);
    p.onProgress({ kind: 'rows', phase: 'explain', done: 1, total: 100 });
    t = 4000;
    p.onProgress({ kind: 'rows', phase: 'explain', done: 40, total: 100 });
    expect(out).toBe('');
    t = 5000;
    p.onProgress({ kind: 'rows', phase: 'explain', done: 50, total: 100 });
    expect(out).toBe('explain 50/100 rows  50%  10 rows/s  ETA 0:05\n');
    t = 6000;
    p.onProgress({ kind: 'rows', phase: 'explain', done: 60, total: 100 });
    t = 20000;
    p.onProgress({ kind: 'rows', phase: 'explain', done: 100, total: 100 });
    expect(out.split('\n')).toHaveLength(2);
    t = 30000;
    p.onProgress({ kind: 'step', epoch: 2, epochs: 5, step: 3, steps: 10, rowsDone: 300, rowsTotal: 1000, loss: 0.25 });
    expect(out.endsWith('epoch 2/5 300/1,000 rows  30%  0 rows/s  ETA --:--  loss 0.2500\n')).toBe(true);
    expect(out).not.toMatch(/\r|\x1b/);
  });

  it('writes only epoch lines when not a TTY for short passes, and nothing when disabled', () => {
    let out = '';
    const p = new ProgressPrinter({ write: (s: string) => (out += s) }, true);
    p.onProgress({ kind: 'step', epoch: 1, epochs: 1, step: 1, steps: 1, rowsDone: 1, rowsTotal: 1, loss: 1 });
    p.onProgress({ kind: 'epoch', epoch: 1, epochs: 1, trainLoss: 1, validationLoss: null, best: true, seconds: 0.5 });
    expect(out).toBe('epoch 1/1  train_loss 1.0000  0.5 s\n');
    let none = '';
    new ProgressPrinter({ write: (s: string) => (none += s) }, false).onProgress({ kind: 'epoch', epoch: 1, epochs: 1, trainLoss: 1, validationLoss: null, best: true, seconds: 1 });
    expect(none).toBe('');
  });

  it('formats durations and bars', () => {
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Number.NaN)).toBe('--:--');
    expect(progressBar(0.5, 4)).toBe('[##..]');
  });
});

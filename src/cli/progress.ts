/**
 * Progress on stderr. On a terminal: one redrawn line with a bar, rate and ETA (at most 10 redraws a
 * second) plus a permanent line per epoch. Otherwise (logs, pipes, CI): the line per epoch, and for any
 * long pass one plain line every few seconds, so a log never stays silent for minutes.
 */
import type { ProgressEvent } from '../pipeline/index.js';
import type { CliStream } from './command.js';

const BAR_WIDTH = 24;
const REDRAW_MS = 100;
/** Off a terminal: a progress line at most this often (and none for a pass that ends sooner). */
export const LOG_EVERY_MS = 5000;

/** Formats seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** `[#####.....]` for a fraction in [0, 1]. */
export function progressBar(fraction: number, width = BAR_WIDTH): string {
  const filled = Math.max(0, Math.min(width, Math.round(fraction * width)));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** Turns pipeline progress events into stderr output. */
export class ProgressPrinter {
  private readonly tty: boolean;
  private lastDraw = 0;
  private lastLog: number;
  private phaseStart = 0;
  private phaseKey = '';
  private drawn = false;

  constructor(
    private readonly stream: CliStream,
    private readonly enabled: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tty = stream.isTTY === true;
    this.lastLog = now();
  }

  /** The callback to hand to the pipeline. */
  readonly onProgress = (e: ProgressEvent): void => {
    if (!this.enabled) return;
    if (e.kind === 'epoch') {
      this.clear();
      const val = e.validationLoss === null ? '' : `  validation_loss ${e.validationLoss.toPrecision(5)}`;
      const loss = e.trainLoss === null || !Number.isFinite(e.trainLoss) ? '' : `  train_loss ${e.trainLoss.toPrecision(5)}`;
      this.stream.write(`epoch ${e.epoch}/${e.epochs}${loss}${val}  ${e.seconds.toFixed(1)} s${e.best && e.validationLoss !== null ? '  *' : ''}\n`);
      return;
    }
    if (e.kind === 'stage') return;
    if (e.kind === 'step') this.draw(`epoch ${e.epoch}/${e.epochs}`, e.rowsDone, e.rowsTotal, `loss ${e.loss.toPrecision(4)}`, e.step === e.steps);
    else this.draw(e.phase, e.done, e.total, '', e.done === e.total);
  };

  /** Erases the redrawn line (before a permanent line, or at the end). */
  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }

  private draw(label: string, done: number, total: number, extra: string, last: boolean): void {
    const t = this.now();
    if (label !== this.phaseKey) {
      this.phaseKey = label;
      this.phaseStart = t;
    }
    if (!this.tty) {
      // A log line: no bar, no carriage return; the pass's last event gets none (the summary follows).
      if (last || t - this.lastLog < LOG_EVERY_MS) return;
      this.lastLog = t;
      this.stream.write(`${progressText(label, done, total, (t - this.phaseStart) / 1000)}${extra ? `  ${extra}` : ''}\n`);
      return;
    }
    if (!last && t - this.lastDraw < REDRAW_MS) return;
    this.lastDraw = t;
    const line = `${label} ${progressBar(total > 0 ? done / total : 1)}${progressText('', done, total, (t - this.phaseStart) / 1000)}${extra ? `  ${extra}` : ''}`;
    this.stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, (this.stream.columns || 120) - 1))}`);
    this.drawn = true;
  }
}

/** `"<label> 42%  1,234 rows/s  ETA 0:10"` for `done` of `total` rows after `elapsed` seconds. */
function progressText(label: string, done: number, total: number, elapsed: number): string {
  const rate = elapsed > 0 ? done / elapsed : 0;
  const eta = rate > 0 ? (total - done) / rate : Number.NaN;
  const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
  const rows = label === '' ? '' : ` ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows`;
  return `${label}${rows} ${String(pct).padStart(3)}%  ${Math.round(rate).toLocaleString('en-US')} rows/s  ETA ${formatDuration(eta)}`;
}

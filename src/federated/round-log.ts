/** The one log line per round (server) — what an operator reads to follow a run. */
import type { RoundRecord } from './server-store.js';

const list = (ids: readonly string[], max = 8): string => (ids.length <= max ? ids.join(' ') : `${ids.slice(0, max).join(' ')} …`);

/**
 * E.g. `round 3 committed: model v3 (sha256 1a2b3c4d5e6f), clients in 7/10, missing 3 (c04 c07 c09),
 * rejected 2 (norm 1, replay 1), aggregate L2 0.0421, mean loss 0.012345, 0.8 s`; the calibration
 * round's line gives the threshold and the checkpoint instead of the model step.
 */
export function roundLogLine(r: RoundRecord, selected: number): string {
  const rejected = Object.entries(r.rejected).sort();
  const total = rejected.reduce((s, [, n]) => s + n, 0);
  const parts = [
    `clients in ${r.accepted.length}/${selected}`,
    `missing ${r.missing.length}${r.missing.length > 0 ? ` (${list(r.missing)})` : ''}`,
    `rejected ${total}${total > 0 ? ` (${rejected.map(([k, n]) => `${k} ${n}`).join(', ')})` : ''}`,
  ];
  if (r.aggregateNorm !== null) parts.push(`aggregate L2 ${r.aggregateNorm.toPrecision(4)}`);
  if (r.stepNorm !== null) parts.push(`server step L2 ${r.stepNorm.toPrecision(4)}`);
  if (r.meanLoss !== null) parts.push(`mean loss ${r.meanLoss.toPrecision(6)}`);
  if (r.dp !== null) parts.push(`ε ${r.dp.epsilon.toFixed(3)} at δ ${r.dp.delta} after ${r.dp.noisyRounds} noisy rounds (σ ${r.dp.noiseMultiplier})`);
  parts.push(`${r.seconds.toFixed(1)} s`);
  const c = r.calibration;
  const head = r.status === 'committed'
    ? `round ${r.round} committed (${r.mode} ${r.aggregation}): model v${r.modelVersion} (sha256 ${r.modelSha256.slice(0, 12)})`
    : c !== null
      ? `round ${r.round} calibrated: threshold ${c.threshold.toPrecision(6)} (${c.quantile} quantile of ${c.rows} client rows under model v${r.modelVersion}), checkpoint ${c.checkpointFile} (sha256 ${c.checkpointSha256.slice(0, 12)})`
      : `round ${r.round} aborted (${r.reason}): model stays v${r.modelVersion}`;
  return `${head}, ${parts.join(', ')}`;
}

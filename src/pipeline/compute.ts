/**
 * Where a command runs its kernels: the `backend` and `threads` keys of config.yaml and the
 * `--backend` / `--threads` flags (docs/kernels.md).
 */
import { setBackend, type BackendOption } from '../tensor/index.js';

/**
 * Applies a command's `backend` choice to the process. `auto` keeps the choice already made (a
 * library caller's `setBackend`, else `DADM_BACKEND`, else detection), so the environment variable
 * can steer a run whose config says `auto`.
 * @throws InvalidOptionError for `wasm` where WebAssembly SIMD does not compile
 */
export function applyBackend(option: BackendOption): void {
  if (option !== 'auto') setBackend(option);
}

/** ECOD (empirical-CDF outlier detection): fitting, scoring and the checkpoint array layout. */
export { ECOD } from './ecod.js';
export type { EcodOptions, ResolvedEcodOptions } from './options.js';
export type { EcodArrays, EcodMeta } from './ecod-arrays.js';

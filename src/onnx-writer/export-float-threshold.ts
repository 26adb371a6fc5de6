/** The float32 threshold helpers live in src/tensor (ECOD's tables use them too); re-exported for the exporters. */
export { floatThresholdBelow, nextDownFloat32 } from '../tensor/index.js';

/** The ECOD model kind (see ../kind.ts for the contract). */
export { ecodKind } from './kind.js';
export { EcodModel } from './model.js';

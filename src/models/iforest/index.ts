/** The isolation-forest model kind (see ../kind.ts for the contract). */
export { iforestKind } from './kind.js';
export { IforestModel } from './model.js';

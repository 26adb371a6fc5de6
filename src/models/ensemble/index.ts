/** The ensemble model kind (see ../kind.ts for the contract). */
export { ensembleKind } from './kind.js';
export { EnsembleModel, type EnsembleMember, type EnsembleRecord } from './model.js';
export { memberConfig } from './members.js';

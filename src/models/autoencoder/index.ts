/** The autoencoder model kind (see ../kind.ts for the contract). */
export { autoencoderKind } from './kind.js';
export { AutoencoderModel, type AutoencoderArchitecture } from './model.js';

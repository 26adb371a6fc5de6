/**
 * dadm's public library API. Every folder's index.ts is its public door; this file re-exports them.
 */
export * from './errors.js';
export { Random } from './tensor/random.js';

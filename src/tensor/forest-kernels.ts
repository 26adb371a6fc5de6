/**
 * The tensor part's narrow door for the runtime's TreeEnsemble: the forest's packed groups and their
 * WebAssembly walk. Apart from ./kernels.ts because the runtime bundle loads what is behind it only
 * when a forest's fast walk is built (its 64th score, or a batch plan), so loading a model and scoring
 * its first rows never parses it (docs/edge.md, "What start-up pays for").
 */
export { packTreeGroups, TREE_GROUP, type PackedTrees, type TreeGroups } from './wasm/forest.js';

/**
 * The tensor part's narrow door for the runtime's TreeEnsemble: the forest's packed groups and their
 * WebAssembly walk. Apart from ./kernels.ts because the runtime bundle loads what is behind it only
 * when a model has a forest, so a neural model never parses it (docs/edge.md, "What start-up pays for").
 */
export { packTreeGroups, TREE_GROUP, type PackedTrees, type TreeGroups } from './wasm/forest.js';

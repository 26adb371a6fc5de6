/**
 * The transformer model kind: a tiny transformer that scores each step of a host's event series from
 * its context, with the sequence data it trains on (rows + host ids or 3-D windows, streamed) and
 * the hooks explanations need. See docs/transformer.md.
 */
export { transformerKind, sequenceSource } from './kind.js';
export { TransformerModel, loadTransformer, transformerOptions } from './model.js';
export { TransformerDetector, type TransformerFitSummary, type TransformerState, type TransformerMetadata, type TransformerThresholdMethod } from './transformer-detector.js';
export { TRANSFORMER_DEFAULTS, resolveTransformerOptions, type TransformerOptions, type ResolvedTransformerOptions } from './options.js';
export { TRANSFORMER_OBJECTIVES, objectiveLayout, type TransformerObjective, type ObjectiveLayout } from './objective.js';
export type { TransformerProgress, TransformerEpoch } from './train-transformer.js';
export { WindowNet, causalMask, type WindowNetOptions } from './window-net.js';
export { transformerExportSpec } from './export-spec.js';
export { windowCoalitionScore, stepAttribution, type WindowExplainInputs } from './explain-hooks.js';

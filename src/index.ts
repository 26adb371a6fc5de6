/**
 * dadm's public library API. Every folder's index.ts is its public door; this file re-exports them.
 * Tensor-level and autograd ops share names (`add`, `matmul`, ...), so they are exported as the
 * namespaces `tensor` and `autograd`; statistics as `stats`.
 */
export * from './errors.js';
export { DEFAULT_LIMITS, FORMAT_LIMITS, LIMIT_CONFIG_KEYS, ByteBudget, checkLimit, resolveLimits, type Limits } from './limits.js';

// Engine
export * as tensor from './tensor/index.js';
export { Tensor, Random, gemm, type GemmOptions } from './tensor/index.js';
export * as autograd from './autograd/index.js';
export { Var, backward, noGrad, detach } from './autograd/index.js';
export * from './nn/index.js';

// Models and data
export * from './model-spec/index.js';
export * from './iforest/index.js';
export * from './ecod/index.js';
export * from './schema/index.js';
export * from './io/index.js';
export * as stats from './stats/index.js';

// ONNX: writer and exporters, reader and runtime, quantization
export * from './onnx/index.js';
export * from './onnx-writer/index.js';
export * from './runtime/index.js';
export * from './quant/index.js';

// Explanations
export * as explainers from './explain/index.js';

// Config, streamed data, model kinds (contract, registry, checkpoints, detectors)
export * from './config/index.js';
export * from './data/index.js';
export * from './models/index.js';
export * from './progress.js';
export { packageVersion } from './version.js';

// Pipeline steps shared with the CLI
export * from './pipeline/index.js';

// Federated training (server, clients, secure aggregation): `federated.runServer`, `federated.simulate`, ...
export * as federated from './federated/index.js';

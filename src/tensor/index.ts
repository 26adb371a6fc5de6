/**
 * dadm's tensor engine: a row-major Float32Array {@link Tensor}, pure kernels over typed arrays and
 * shapes (ignorant of gradients; those live in ../autograd), and the blocked {@link gemm}.
 */
export { gemm, jsGemm, type GemmOptions } from './gemm.js';
export { BACKEND_OPTIONS, backend, setBackend, setBackendNotice, wasmActive, type Backend, type BackendOption } from './backend.js';
export { Random } from './random.js';
export { Tensor, zeros, ones, full, scalar, fromArray, arange, eye, type NestedArray } from './tensor.js';
export { sizeOf, stridesOf, sameShape, normalizeAxis, validateShape, splitAt } from './shape.js';
export { broadcastShapes, planBroadcast, forEachRun, stridedIndex, broadcastIndex, type BroadcastPlan } from './broadcast.js';
export { add, sub, mul, div, maximum, minimum, greater, less, broadcastBinary, type BinaryRun } from './binary.js';
export {
  neg, abs, exp, log, sqrt, pow, tanh, sigmoid, relu, erf, gelu, clamp,
  SQRT_2_OVER_PI, GELU_TANH_COEF, type GeluOptions, type ClampOptions,
} from './unary.js';
export { erfScalar } from './erf.js';
export { ACTIVATIONS, activateInto, activationGradInPlace, type Activation } from './activation.js';
export { MlpForward, MLP_CHUNK_ROWS, type DenseWeights, type ReconstructionErrorArgs } from './mlp-forward.js';
export { roundHalfEven } from './round-half-even.js';
export { checkMatrix, asFloatMatrix, type FloatMatrix, type MatrixInput } from './check-matrix.js';
export { floatThresholdBelow, nextDownFloat32 } from './float-threshold.js';
export { lowerBound, upperBound, type FloatArray } from './sorted-search.js';
export { stepAt, mergeSteps, stepFunctionProblem, type StepFunction } from './step-function.js';
export { where } from './where.js';
export { sum, mean, max, argmax, maxWithIndices, reducedShape, type ReduceOptions, type MaxResult } from './reduce.js';
export { sumToShape } from './sum-to-shape.js';
export { broadcastTo } from './broadcast-to.js';
export { matmul, type MatmulOptions } from './matmul.js';
export { linear } from './linear.js';
export { permute, transpose } from './transpose.js';
export { reshape, resolveShape } from './reshape.js';
export { concat } from './concat.js';
export { slice, resolveSlice, type SliceOptions } from './slice.js';
export { softmax, logSoftmax, softmaxInto, type SoftmaxLayout } from './softmax.js';
export { layerNorm, layerNormWithStats, layerNormInto, type LayerNormOptions, type LayerNormResult, type LayerNormRows } from './layer-norm.js';
export { mseLoss } from './mse-loss.js';
export { biasActivation, type BiasActivationOptions } from './bias-activation.js';
export { columnSums } from './column-sums.js';
export { squaredErrorGrad, rowSquaredError, type SquaredErrorOptions } from './squared-error.js';
export { adamUpdate, type AdamStep } from './adam-update.js';
export { KernelBufferSet, kernelBuffer, ownedKernelBuffer, releaseKernelBuffer } from './kernel-buffer.js';
export {
  DataParallelStep, MAX_SIDE_INPUTS, ParallelRows, ThreadSession, poolWorkers, releaseThreads, resolveThreads, setThreadsNotice, spinBudgetMs, MAX_AUTO_THREADS, type PoolWorker,
  type BatchSide, type DataParallelOptions, type ParallelRowsOptions, type RowArray, type RowInput, type RowTaskFactory, type RowWork, type SliceSide, type SliceStep, type SliceStepFactory,
  type TaskContext, type TaskRef, type ThreadsOption,
} from './threads/index.js';
export { dumpKernel, listKernels, type KernelDump, type KernelSummary } from './wasm/listing.js';
export { MEMORY_IMPORT, ModuleBuilder, type MemoryImport } from './wasm/module.js';
export { Code, FunctionBuilder, type Callee, type Instruction, type Local } from './wasm/code.js';
export { heapIsShared, wasmUnavailableReason } from './wasm/index.js';
export { wasmLayerNormGrad, type LayerNormGradRun } from './wasm/layer-norm-grad.js';
export { attentionFitsWasm, wasmAttentionBackward, wasmAttentionForward, type AttentionShape } from './wasm/attention.js';
export { wasmForestWalk, type ForestTables } from './wasm/forest.js';
export { int8Weights, wasmQuantizedLinear, type Int8Run, type Int8Weights } from './wasm/int8.js';

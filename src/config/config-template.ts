/**
 * The one table that defines config.yaml: for every key its check (what is allowed) and its
 * comment. Validation, the canonical YAML of checkpoints and the commented `dadm init-config`
 * template are all generated from it, so they cannot drift apart. YAML keys are the snake_case
 * spelling of the camelCase TypeScript fields (`batchSize` <-> `batch_size`).
 */
import { EPOCHS, LEARNING_RATE, bool, closedUnit, fraction, halfOpenUnit, intIn, isInt, isNumber, nonNegativeInt, nonNegativeNumber, oneOf, openUnit, positiveInt, type Check } from '../checks.js';
import { CONFIG_LIMIT_DOCS, CONFIG_LIMIT_NAMES, type ConfigLimits } from '../limits.js';
import { EXPORT_OPSET_RANGE } from '../onnx/index.js';
import { ACTIVATIONS, BACKEND_OPTIONS } from '../tensor/index.js';
import type { DadmConfig } from './config.js';

/** The model kinds a config can name (`model:`); each has a handler in src/models/registry.ts. */
export const MODEL_KIND_NAMES = ['autoencoder', 'iforest', 'ecod', 'ensemble', 'transformer'] as const;
/** A model kind's name, as `model:` in config.yaml and `model_type` in checkpoints. */
export type ModelKind = (typeof MODEL_KIND_NAMES)[number];

/** The kinds an ensemble may combine (`ensemble.members`). */
export const ENSEMBLE_MEMBER_NAMES = ['autoencoder', 'iforest', 'ecod'] as const;
/** One member kind of an ensemble. */
export type EnsembleMemberName = (typeof ENSEMBLE_MEMBER_NAMES)[number];
/** How an ensemble weighs its members' robust z-scores (`ensemble.combination`); docs/ensemble.md. */
export const ENSEMBLE_COMBINATIONS = ['spread', 'mean'] as const;
export type EnsembleCombination = (typeof ENSEMBLE_COMBINATIONS)[number];

/** How the threshold on the score is chosen (`threshold.method`); docs/config.md. */
export const THRESHOLD_RULES = ['quantile', 'contamination', 'target_fpr'] as const;
/** `training.optimizer`: every model kind that trains by gradient steps takes these. */
export const OPTIMIZER_KINDS = ['adam', 'adamw', 'sgd'] as const;
export type ThresholdRule = (typeof THRESHOLD_RULES)[number];

/**
 * What the transformer learns (docs/transformer.md, "Objective"): `next-step` predicts a window's
 * last step from the T-1 before it (causal), `masked-step` reconstructs the masked last step from
 * the whole window, `reconstruct` reconstructs every step (a per-row baseline in disguise).
 */
export const TRANSFORMER_OBJECTIVE_NAMES = ['next-step', 'masked-step', 'reconstruct'] as const;

/**
 * What the transformer subtracts from each window before the network reads it (docs/transformer.md,
 * "Centering"): `none`, or `context-mean`, each active feature's mean over the context steps 0..T-2.
 */
export const TRANSFORMER_CENTERING_NAMES = ['none', 'context-mean'] as const;

/** One config key: its check and its one-line comment. */
export interface FieldSpec {
  readonly check: Check;
  readonly doc: string;
}

/** A mapping inside a section (e.g. `federated.secagg`): its comment and its keys. */
export interface SubsectionSpec<T> {
  readonly doc: string;
  readonly fields: FieldsOf<T>;
}

/** The key table of a section's object type: a {@link FieldSpec} per value, a {@link SubsectionSpec} per nested mapping. */
export type FieldsOf<T> = { readonly [K in keyof T]: T[K] extends readonly unknown[] ? FieldSpec : T[K] extends object ? SubsectionSpec<T[K]> : FieldSpec };

/** Whether a key table entry is a nested mapping. */
export function isSubsection(spec: FieldSpec | SubsectionSpec<unknown>): spec is SubsectionSpec<unknown> {
  return 'fields' in spec;
}

/** Keys of DadmConfig whose values are sections (nested mappings). */
export type SectionName =
  | 'autoencoder' | 'training' | 'threshold' | 'iforest' | 'ecod' | 'ensemble' | 'transformer' | 'sequence' | 'onnx' | 'quantization' | 'drift' | 'explain' | 'federated' | 'limits';
/** Keys of DadmConfig whose values are scalars. */
export type TopScalarName = Exclude<keyof DadmConfig, SectionName>;

/** Config key table: top-level scalars, then sections, in canonical (YAML output) order. */
export const TOP_FIELDS: { readonly [K in TopScalarName]: FieldSpec } = {
  model: {
    check: oneOf(MODEL_KIND_NAMES),
    doc: 'detector to train: autoencoder (reconstruction error), iforest (isolation forest), ecod (empirical-CDF tails), ensemble (those three, calibrated and combined) or transformer (sequence model over per-host windows)',
  },
  schema: { check: oneOf(['endpoint-v1', 'none']), doc: 'feature schema: endpoint-v1 (12 host features, padded to 64) or none (any numeric table)' },
  standardize: { check: bool, doc: 'fit per-column mean/std on the training data and standardize (meant for schema: none)' },
  backend: { check: oneOf(BACKEND_OPTIONS), doc: 'kernels: auto (WebAssembly SIMD where it compiles, else js), js (plain TypeScript) or wasm; docs/kernels.md' },
  threads: {
    check: { allowed: "'auto' or a positive integer", test: (v) => v === 'auto' || (isInt(v) && v > 0) },
    doc: "threads for training steps and batch scoring, the calling one included: 1 = single-threaded, 'auto' = every core up to 4",
  },
};

/**
 * Largest `federated.max_samples_per_client`: a weight below 2^29 times a float32 is exact in
 * float64, which the exact FedAvg sum needs (src/federated/exact-sum.ts).
 */
export const MAX_EXACT_WEIGHT = 2 ** 29;

/** A positive number of seconds up to `max`. */
const seconds = (max: number): Check => ({ allowed: `a number of seconds in (0, ${max}]`, test: (v) => isNumber(v) && v > 0 && v <= max });
const positiveUpTo = (max: number): Check => ({ allowed: `a number in (0, ${max}]`, test: (v) => isNumber(v) && v > 0 && v <= max });
/** A size in bytes: a positive safe integer. */
const bytes: Check = { allowed: 'a positive integer number of bytes (e.g. 4294967296 for 4 GiB)', test: (v) => isInt(v) && v > 0 && v <= Number.MAX_SAFE_INTEGER };
const pathOrNull: Check = { allowed: 'a file path or null', test: (v) => v === null || (typeof v === 'string' && v.length > 0) };

export const SECTIONS: { readonly [S in SectionName]: SubsectionSpec<DadmConfig[S]> } = {
  autoencoder: {
    doc: 'autoencoder architecture: input -> hidden_dims -> mirrored -> input',
    fields: {
      hiddenDims: {
        check: { allowed: 'a non-empty list of positive integers', test: (v) => Array.isArray(v) && v.length > 0 && v.every((x) => isInt(x) && x > 0) },
        doc: 'encoder widths; the last is the bottleneck, the decoder mirrors them',
      },
      activation: { check: oneOf(ACTIVATIONS), doc: 'activation after every hidden layer (the output layer is linear)' },
    },
  },
  training: {
    doc: 'optimisation of the autoencoder',
    fields: {
      epochs: { check: EPOCHS, doc: 'maximum passes over the training rows' },
      batchSize: { check: positiveInt, doc: 'rows per gradient step' },
      learningRate: { check: LEARNING_RATE, doc: 'optimizer step size (> 0: a run with 0 would learn nothing)' },
      weightDecay: { check: nonNegativeNumber, doc: 'L2 penalty (adam, sgd) or decoupled decay (adamw); 0 = off' },
      optimizer: { check: oneOf(OPTIMIZER_KINDS), doc: 'optimizer' },
      momentum: { check: halfOpenUnit, doc: 'sgd momentum in [0, 1); ignored by adam and adamw' },
      shuffle: { check: bool, doc: 'reshuffle the training rows every epoch' },
      seed: { check: nonNegativeInt, doc: 'seed of weight init, shuffling and the validation split' },
      validationFraction: { check: halfOpenUnit, doc: 'fraction of rows held out for validation loss and early stopping; 0 = none' },
      earlyStoppingPatience: { check: nonNegativeInt, doc: 'stop after this many epochs without validation improvement; 0 = never stop early' },
      gradClip: {
        check: { allowed: 'null (off) or a positive number', test: (v) => v === null || (isNumber(v) && v > 0) },
        doc: 'clip the global gradient L2 norm to this value; null = no clipping',
      },
    },
  },
  threshold: {
    doc: 'anomaly threshold on the score, fitted on the validation scores (training scores without validation rows)',
    fields: {
      method: {
        check: oneOf(THRESHOLD_RULES),
        doc: 'quantile: a quantile of the scores; contamination: flag that share of them; target_fpr: flag a normal row with probability <= target_fpr (conformal)',
      },
      quantile: { check: openUnit, doc: 'method quantile: threshold = this quantile of the validation scores (0.99: ~1% of normal rows flagged)' },
      contamination: { check: { allowed: 'a number in (0, 0.5]', test: (v) => isNumber(v) && v > 0 && v <= 0.5 }, doc: 'method contamination: expected share of anomalies among the validation rows' },
      targetFpr: { check: openUnit, doc: 'method target_fpr: false-positive rate to guarantee on normal rows (needs at least 1/target_fpr - 1 validation rows)' },
    },
  },
  iforest: {
    doc: 'isolation forest (model: iforest), as in scikit-learn',
    fields: {
      nEstimators: { check: positiveInt, doc: 'number of trees' },
      maxSamples: {
        check: {
          allowed: "'auto', an integer > 1 (rows) or a number in (0, 1] (fraction of rows)",
          test: (v) => v === 'auto' || (isNumber(v) && ((v > 0 && v <= 1) || (isInt(v) && v > 1))),
        },
        doc: "rows per tree: 'auto' = min(256, rows), an integer > 1 = count, a number in (0, 1] = fraction",
      },
      maxFeatures: {
        check: { allowed: 'an integer > 1 (columns) or a number in (0, 1] (fraction of columns)', test: (v) => isNumber(v) && ((v > 0 && v <= 1) || (isInt(v) && v > 1)) },
        doc: 'columns per tree: an integer > 1 = count, a number in (0, 1] = fraction (1 = all)',
      },
      bootstrap: { check: bool, doc: 'draw each tree\'s rows with replacement' },
      contamination: {
        check: { allowed: "'auto' or a number in (0, 0.5]", test: (v) => v === 'auto' || (isNumber(v) && v > 0 && v <= 0.5) },
        doc: "expected anomaly fraction: 'auto' = score offset -0.5 (sklearn), a number sets the threshold quantile",
      },
    },
  },
  ecod: {
    doc: 'ECOD, empirical-CDF outlier detection (model: ecod, and the ensemble member)',
    fields: {
      tolerance: { check: closedUnit, doc: 'merge adjacent table steps whose scores differ by at most 2 x this (0 = the exact tables; 0.01 keeps ROC-AUC, shrinks ONNX ~50x)' },
      sampleRows: { check: positiveInt, doc: 'training rows ECOD fits on: all of them up to this count, else a uniform sample of this many' },
    },
  },
  ensemble: {
    doc: 'ensemble (model: ensemble): members trained on the same rows; score = weighted sum of their robust z-scores (docs/ensemble.md)',
    fields: {
      members: {
        check: {
          allowed: `a list of 2 or 3 distinct names among ${ENSEMBLE_MEMBER_NAMES.join(', ')}`,
          test: (v) => Array.isArray(v) && v.length >= 2 && new Set(v).size === v.length && v.every((m) => (ENSEMBLE_MEMBER_NAMES as readonly unknown[]).includes(m)),
        },
        doc: 'the member kinds; each uses its own section (autoencoder + training, iforest, ecod)',
      },
      combination: {
        check: oneOf(ENSEMBLE_COMBINATIONS),
        doc: 'spread: weight each member by the cube of its z-scores\' interquartile range over the normal one (label-free; favours members that separate a group of rows), mean: equal weights',
      },
      autoencoderWidthRatio: {
        check: closedUnit,
        doc: 'the autoencoder member keeps each hidden layer at most this fraction of the layer before it (at least 2 units), so it cannot learn the identity on narrow data; 0 = autoencoder.hidden_dims as given',
      },
      autoencoderMinSteps: { check: nonNegativeInt, doc: 'the autoencoder member trains for at least this many optimizer steps (more epochs on small data); 0 = training.epochs only' },
    },
  },
  transformer: {
    doc: 'tiny transformer over per-host windows (model: transformer); training epochs, rate, seed, split and patience come from training',
    fields: {
      dModel: { check: positiveInt, doc: 'model width d (a multiple of heads)' },
      heads: { check: positiveInt, doc: 'attention heads; must divide d_model' },
      layers: { check: positiveInt, doc: 'encoder layers' },
      feedForward: { check: positiveInt, doc: 'feed-forward width of each encoder layer' },
      dropout: { check: halfOpenUnit, doc: 'dropout in training, in [0, 1); 0 trains on the fused fast path, above it through autograd' },
      activation: { check: oneOf(['relu', 'gelu']), doc: 'feed-forward activation' },
      normFirst: { check: bool, doc: 'pre-norm encoder layers (LayerNorm before attention and feed-forward) instead of post-norm' },
      objective: {
        check: oneOf(TRANSFORMER_OBJECTIVE_NAMES),
        doc: 'next-step (score = error of the last step predicted from the T-1 before it), masked-step or reconstruct',
      },
      centering: {
        check: oneOf(TRANSFORMER_CENTERING_NAMES),
        doc: 'none, or context-mean: subtract each feature\'s mean over the context steps 0..T-2 from every step of the window before the network reads it (the network learns changes, not levels)',
      },
      contextNoise: { check: halfOpenUnit, doc: 'probability that the context of a training window gets a corrupted run of steps (targets stay clean), in [0, 1)' },
      standardizeErrors: { check: bool, doc: 'score each feature\'s error in units of its mean squared error on the validation windows' },
      batchSize: { check: positiveInt, doc: 'windows per gradient step (training.batch_size counts rows of the row models)' },
      shuffleBuffer: { check: positiveInt, doc: 'windows held in the streaming shuffle buffer' },
    },
  },
  sequence: {
    doc: 'windows of a host\'s consecutive rows (sequence models); rows need --hosts, or give 3-D windows [N, T, F]',
    fields: {
      window: { check: { allowed: 'an integer >= 2', test: (v) => isInt(v) && v >= 2 }, doc: 'steps T per window; a row\'s score is the score of the window that ends at it' },
      stride: { check: positiveInt, doc: 'training takes a window every stride steps of a host (scoring always scores every row)' },
    },
  },
  onnx: {
    doc: 'ONNX export',
    fields: {
      opset: { check: intIn(...EXPORT_OPSET_RANGE), doc: 'ONNX default-domain opset version' },
      dynamicBatch: { check: bool, doc: 'symbolic batch dimension ("batch") instead of a fixed batch of 1' },
    },
  },
  quantization: {
    doc: 'dynamic int8 quantization of the ONNX model (onnxruntime quantize_dynamic conventions)',
    fields: {
      perChannel: { check: bool, doc: 'one weight scale per output channel instead of per tensor' },
      weightType: { check: oneOf(['int8', 'uint8']), doc: 'weight integer type' },
      reduceRange: { check: bool, doc: 'quantize weights to 7 bits (avoids overflow on some CPUs)' },
      exclude: {
        check: { allowed: 'a list of node names (strings)', test: (v) => Array.isArray(v) && v.every((x) => typeof x === 'string') },
        doc: 'ONNX node names to keep in float',
      },
      minWeights: { check: nonNegativeInt, doc: 'nodes whose weight has fewer elements stay in float (0 = quantize small layers too)' },
      keepOutputLayers: { check: bool, doc: 'keep the output (reconstruction) layer in float: the score is computed from it' },
      requireSmaller: { check: bool, doc: 'keep a node in float when its rewrite would not shrink the file' },
    },
  },
  drift: {
    doc: 'drift monitoring of new data against the training reference, per feature',
    fields: {
      sampleRows: { check: positiveInt, doc: 'training rows sampled into drift_reference.npz for drift tests and the explain background' },
      psiWarn: { check: nonNegativeNumber, doc: 'PSI (10 decile bins) at or above this: warn' },
      psiRetrain: { check: nonNegativeNumber, doc: 'PSI at or above this: retrain (must be >= psi_warn)' },
      wassersteinWarn: { check: nonNegativeNumber, doc: 'Wasserstein-1 distance (in model-input units) at or above this: warn' },
      wassersteinRetrain: { check: nonNegativeNumber, doc: 'Wasserstein-1 distance at or above this: retrain (must be >= wasserstein_warn)' },
      ksWarn: { check: fraction, doc: 'two-sample Kolmogorov-Smirnov statistic at or above this: warn' },
      ksRetrain: { check: fraction, doc: 'KS statistic at or above this: retrain (must be >= ks_warn)' },
    },
  },
  explain: {
    doc: 'per-row explanations of anomaly scores',
    fields: {
      method: {
        check: oneOf(['reconstruction', 'shap']),
        doc: 'attribution method: reconstruction (share of squared reconstruction error, autoencoder only) or shap (interventional Shapley values, any model)',
      },
      topK: { check: positiveInt, doc: 'features reported per row' },
      backgroundRows: { check: positiveInt, doc: 'background rows for shap (taken from the training drift reference sample)' },
      maxExactFeatures: { check: intIn(1, 20), doc: 'shap: exact Shapley values up to this many active features (2^n coalitions), KernelSHAP above' },
      kernelSamples: { check: positiveInt, doc: 'shap: coalitions sampled by the KernelSHAP fallback' },
    },
  },
  federated: {
    doc: 'federated training (dadm federated server|client|simulate); the model and local training come from the sections above. docs/federated.md',
    fields: {
      rounds: { check: intIn(1, 100_000), doc: 'aggregations to commit before the server calibrates the threshold and stops' },
      minClients: { check: positiveInt, doc: 'quorum: a round with fewer accepted updates is aborted and the global model stays' },
      maxClients: { check: intIn(1, 100_000), doc: 'most enrolled clients (at most 1024 with secure aggregation at quantization_range 2^22)' },
      clientFraction: { check: fraction, doc: 'probability that a client is selected in a round (1 = every enrolled client)' },
      localEpochs: { check: intIn(1, 10_000), doc: 'epochs each client trains per round on its own rows (training.epochs of the local run)' },
      proximalMu: { check: { allowed: 'a number in [0, 1000]', test: (v) => isNumber(v) && v >= 0 && v <= 1000 }, doc: 'FedProx mu: local training adds mu/2 ||w - global||^2 to the loss, pulling clients toward the global model on non-IID data; 0 = plain FedAvg' },
      scaffoldScale: { check: { allowed: 'a number in [0, 10]', test: (v) => isNumber(v) && v >= 0 && v <= 10 }, doc: 'SCAFFOLD drift correction: each local step adds scaffold_scale x (c - c_i) to the gradient (c_i: mean gradient of the client last round, c: their weighted mean, averaged like the weights); 0 = off' },
      roundTimeoutS: { check: seconds(86_400), doc: 'seconds a round waits for updates (local training included) before it closes' },
      phaseTimeoutS: { check: seconds(86_400), doc: 'seconds each later secure-aggregation step, and the final calibration, wait' },
      requestTimeoutS: { check: seconds(3600), doc: 'seconds one HTTP request may take to arrive, headers and body (slow clients are cut off)' },
      maxBodyBytes: { check: intIn(0, 2 ** 31), doc: 'largest request body in bytes; 0 = 8 x parameters + 1 MiB' },
      clipNorm: { check: positiveUpTo(1e6), doc: 'L2 bound of an update: clients clip to it, the server rejects larger ones' },
      maxSamplesPerClient: { check: intIn(1, MAX_EXACT_WEIGHT - 1), doc: "a client's sample count is capped at this in FedAvg weights and the threshold histogram" },
      aggregation: { check: oneOf(['fedavg', 'median', 'trimmed-mean']), doc: 'fedavg (weighted by samples), median or trimmed-mean (coordinate-wise, unweighted; plain mode only)' },
      serverOptimizer: { check: oneOf(['fedavg', 'fedavgm', 'fedadam']), doc: 'how the server applies the aggregate update delta (FedOpt, Reddi et al. 2021): fedavg w += server_lr delta; fedavgm with momentum; fedadam with adaptive moments (kept in the state dir)' },
      serverLr: { check: positiveUpTo(1000), doc: 'server learning rate eta (1 with fedavg is plain FedAvg)' },
      serverMomentum: { check: { allowed: 'a number in [0, 1)', test: (v) => isNumber(v) && v >= 0 && v < 1 }, doc: 'beta1: momentum of fedavgm, first-moment decay of fedadam' },
      serverBeta2: { check: { allowed: 'a number in [0, 1)', test: (v) => isNumber(v) && v >= 0 && v < 1 }, doc: 'beta2: second-moment decay of fedadam' },
      serverTau: { check: positiveUpTo(10), doc: 'tau: fedadam adaptivity, added to sqrt(v) in the step eta m / (sqrt(v) + tau)' },
      trimFraction: { check: { allowed: 'a number in [0, 0.5)', test: (v) => isNumber(v) && v >= 0 && v < 0.5 }, doc: 'share cut from each end per coordinate by trimmed-mean' },
      maxAbortedRounds: { check: intIn(1, 1000), doc: 'aborted rounds in a row after which the server gives up' },
      secureAggregation: { check: bool, doc: 'secure aggregation: the server learns only the sum of the updates (pairwise masks, Shamir shares)' },
      secagg: {
        doc: 'secure aggregation (Bonawitz et al. 2017 on the SecAgg+ graph)',
        fields: {
          numShares: { check: intIn(0, 100_000), doc: 'neighbours each client shares its secrets with, itself included: 0 = all clients, else odd >= 3' },
          reconstructionThreshold: { check: intIn(0, 100_000), doc: 'shares that rebuild a secret; 0 = floor(2 num_shares / 3) + 1' },
          clippingRange: { check: positiveUpTo(1e6), doc: 'c: each weighted coordinate is clipped to [-c, c] before quantization' },
          quantizationRange: { check: intIn(2, 2 ** 31), doc: 'R: quantized values lie in [0, R - 1]; sums are taken modulo 2^32' },
        },
      },
      dp: {
        doc: 'central differential privacy at the client level',
        fields: {
          noiseMultiplier: { check: { allowed: 'a number in [0, 1000000] (0 = off)', test: (v) => isNumber(v) && v >= 0 && v <= 1e6 }, doc: 'sigma: Gaussian noise of std sigma x clip_norm on the weighted sum; 0 = off' },
          delta: { check: openUnit, doc: 'delta at which epsilon is reported (RDP accountant)' },
        },
      },
      tls: {
        doc: 'HTTPS for the server (both or neither)',
        fields: {
          cert: { check: pathOrNull, doc: 'PEM certificate chain file; null = plain HTTP (use a private network)' },
          key: { check: pathOrNull, doc: 'PEM private key file of the certificate' },
        },
      },
      retry: {
        doc: 'client retries while the server is unreachable (exponential backoff)',
        fields: {
          initialS: { check: seconds(3600), doc: 'first wait in seconds' },
          maxS: { check: seconds(3600), doc: 'longest wait in seconds' },
          giveUpS: { check: seconds(86_400), doc: 'seconds of failed retries after which the client stops with an error' },
        },
      },
      pollWaitS: { check: seconds(60), doc: 'longest wait of a long-poll request for the next round or phase' },
    },
  },
  limits: {
    doc: 'memory budget for files dadm reads: a file asking for more is refused before anything is allocated (docs/limits.md); raise a limit to accept larger files',
    fields: Object.fromEntries(CONFIG_LIMIT_NAMES.map((k) => [k, { check: bytes, doc: CONFIG_LIMIT_DOCS[k] }])) as unknown as FieldsOf<ConfigLimits>,
  },
};

/** The YAML spelling of a camelCase key: every capital becomes `_` + lowercase. */
export function snakeCase(camel: string): string {
  return camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const YAML_RESERVED = /^(true|false|null|yes|no|on|off|y|n|~)$/i;

/** One scalar or flow list in YAML syntax that reads back to the same value. */
function yamlValue(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(yamlValue).join(', ')}]`;
  if (typeof value === 'string') return /^[A-Za-z][A-Za-z0-9_.-]*$/.test(value) && !YAML_RESERVED.test(value) ? value : JSON.stringify(value);
  return String(value);
}

/**
 * YAML text of a config in canonical key order; with `comments`, a comment line above every key
 * (the `dadm init-config` template).
 */
export function renderConfigYaml(config: DadmConfig, comments: boolean): string {
  const lines: string[] = [];
  if (comments) {
    lines.push('# dadm configuration. Every key is optional: a missing key takes the value shown here.');
    lines.push('# Keys are snake_case; unknown keys and wrong types are errors. See docs/config.md.');
    lines.push('');
  }
  for (const key of Object.keys(TOP_FIELDS) as TopScalarName[]) {
    if (comments) lines.push(`# ${TOP_FIELDS[key].doc}`);
    lines.push(`${key}: ${yamlValue(config[key])}`);
  }
  for (const section of Object.keys(SECTIONS) as SectionName[]) {
    lines.push('');
    renderMapping(lines, { name: section, spec: SECTIONS[section] as SubsectionSpec<unknown>, values: config[section], indent: '', comments });
  }
  return `${lines.join('\n')}\n`;
}

/** One mapping (a section or a subsection) and its keys, comments above each key when asked. */
function renderMapping(lines: string[], m: { name: string; spec: SubsectionSpec<unknown>; values: unknown; indent: string; comments: boolean }): void {
  const values = m.values as Record<string, unknown>;
  if (m.comments) lines.push(`${m.indent}# ${m.spec.doc}`);
  lines.push(`${m.indent}${m.name}:`);
  const fields = m.spec.fields as Record<string, FieldSpec | SubsectionSpec<unknown>>;
  for (const field of Object.keys(fields)) {
    const spec = fields[field]!;
    if (isSubsection(spec)) {
      renderMapping(lines, { name: snakeCase(field), spec, values: values[field], indent: `${m.indent}  `, comments: m.comments });
      continue;
    }
    if (m.comments) lines.push(`${m.indent}  # ${spec.doc}`);
    lines.push(`${m.indent}  ${snakeCase(field)}: ${yamlValue(values[field])}`);
  }
}

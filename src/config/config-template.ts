/**
 * The one table that defines config.yaml: for every key its check (what is allowed) and its
 * comment. Validation, the canonical YAML of checkpoints and the commented `dadm init-config`
 * template are all generated from it, so they cannot drift apart. YAML keys are the snake_case
 * spelling of the camelCase TypeScript fields (`batchSize` <-> `batch_size`).
 */
import { EPOCHS, LEARNING_RATE, bool, fraction, halfOpenUnit, intIn, isInt, isNumber, nonNegativeInt, nonNegativeNumber, oneOf, openUnit, positiveInt, type Check } from '../checks.js';
import { EXPORT_OPSET_RANGE } from '../onnx/index.js';
import { ACTIVATIONS } from '../tensor/index.js';
import type { DadmConfig } from './config.js';

/** The model kinds a config can name (`model:`); each has a handler in src/models/registry.ts. */
export const MODEL_KIND_NAMES = ['autoencoder', 'iforest'] as const;
/** A model kind's name, as `model:` in config.yaml and `model_type` in checkpoints. */
export type ModelKind = (typeof MODEL_KIND_NAMES)[number];

/** One config key: its check and its one-line comment. */
export interface FieldSpec {
  readonly check: Check;
  readonly doc: string;
}

/** Keys of DadmConfig whose values are sections (nested mappings). */
export type SectionName = 'autoencoder' | 'training' | 'threshold' | 'iforest' | 'onnx' | 'quantization' | 'drift' | 'explain';
/** Keys of DadmConfig whose values are scalars. */
export type TopScalarName = Exclude<keyof DadmConfig, SectionName>;

/** Config key table: top-level scalars, then sections, in canonical (YAML output) order. */
export const TOP_FIELDS: { readonly [K in TopScalarName]: FieldSpec } = {
  model: { check: oneOf(MODEL_KIND_NAMES), doc: 'detector to train: autoencoder (reconstruction error) or iforest (isolation forest)' },
  schema: { check: oneOf(['endpoint-v1', 'none']), doc: 'feature schema: endpoint-v1 (12 host features, padded to 64) or none (any numeric table)' },
  standardize: { check: bool, doc: 'fit per-column mean/std on the training data and standardize (meant for schema: none)' },
};

export const SECTIONS: { readonly [S in SectionName]: { readonly doc: string; readonly fields: { readonly [K in keyof DadmConfig[S]]: FieldSpec } } } = {
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
      optimizer: { check: oneOf(['adam', 'adamw', 'sgd']), doc: 'optimizer' },
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
    doc: 'anomaly threshold on the score',
    fields: {
      method: {
        check: oneOf(['quantile', 'target_fpr', 'contamination']),
        doc: 'quantile: at threshold.quantile of the validation scores; target_fpr: flag that share of normal rows; contamination: flag that share of rows as attacks',
      },
      quantile: { check: openUnit, doc: 'method quantile: threshold = this quantile of the validation scores (0.99: ~1% of normal rows flagged)' },
      targetFpr: { check: openUnit, doc: 'method target_fpr: the share of normal validation rows flagged (a lower threshold catches more attacks, with more false alarms)' },
      contamination: { check: openUnit, doc: 'method contamination: the expected share of attacks in the training data; that share of rows is flagged' },
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
    const spec = SECTIONS[section];
    const values = config[section] as unknown as Record<string, unknown>;
    lines.push('');
    if (comments) lines.push(`# ${spec.doc}`);
    lines.push(`${section}:`);
    for (const field of Object.keys(spec.fields)) {
      const doc = (spec.fields as Record<string, FieldSpec>)[field]!.doc;
      if (comments) lines.push(`  # ${doc}`);
      lines.push(`  ${snakeCase(field)}: ${yamlValue(values[field])}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

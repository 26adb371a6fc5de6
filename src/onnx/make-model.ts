/** `makeModel` and `encodeModel`: the ModelProto around a graph, and its deterministic bytes. */
import { InvalidOptionError } from '../errors.js';
import { compareCodeUnits } from './make-node.js';
import { DEFAULT_IR_VERSION, DEFAULT_OPSET_VERSION, MAX_IR_VERSION, ML_DOMAIN, ONNX_DOMAIN } from './opsets.js';
import { onnx } from './proto.js';

export { DEFAULT_IR_VERSION, DEFAULT_OPSET_VERSION, MAX_IR_VERSION, ML_DOMAIN, ONNX_DOMAIN };


/** One `opset_import` entry. */
export interface OpsetId {
  domain: string;
  version: number;
}

/** Options of {@link makeModel}; optional proto fields are set only when given. */
export interface MakeModelOptions {
  /** default {@link DEFAULT_IR_VERSION} (8) */
  irVersion?: number;
  /** default `[{ domain: '', version: 17 }]`; written in the given order */
  opsets?: readonly OpsetId[];
  /** shortcut: appends `{ domain: 'ai.onnx.ml', version: mlOpset }` (e.g. 3) after `opsets` */
  mlOpset?: number;
  /** default 'dadm' */
  producerName?: string;
  producerVersion?: string;
  /** written sorted by key (code-unit order), so insertion order does not change the bytes */
  metadataProps?: Readonly<Record<string, string>>;
  docString?: string;
  modelVersion?: number;
  /** reverse-DNS namespace of the model, e.g. 'ai.dadm' */
  domain?: string;
}

/**
 * Wraps a graph in a ModelProto (IR 8, opset 17 and producer 'dadm' unless told otherwise).
 * @throws InvalidOptionError for an IR version outside 1..10 (MAX_IR_VERSION), a non-positive opset version, a domain
 *   imported twice, a non-integer modelVersion or a non-string metadata value.
 */
export function makeModel(graph: onnx.GraphProto, options: MakeModelOptions = {}): onnx.ModelProto {
  const irVersion = options.irVersion ?? DEFAULT_IR_VERSION;
  if (!Number.isInteger(irVersion) || irVersion < 1 || irVersion > MAX_IR_VERSION) {
    throw new InvalidOptionError(
      `makeModel: irVersion must be an integer in [1, ${MAX_IR_VERSION}], got ${irVersion}`,
      'irVersion',
    );
  }
  const opsets = (options.opsets ?? [{ domain: ONNX_DOMAIN, version: DEFAULT_OPSET_VERSION }]).slice();
  if (options.mlOpset !== undefined) opsets.push({ domain: ML_DOMAIN, version: options.mlOpset });
  const seen = new Set<string>();
  for (const { domain, version } of opsets) {
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new InvalidOptionError(
        `makeModel: opset version of domain '${domain}' must be a positive integer, got ${version}`,
        'opsets',
      );
    }
    if (seen.has(domain)) {
      throw new InvalidOptionError(
        `makeModel: opset domains must be unique, got '${domain}' twice`,
        'opsets',
      );
    }
    seen.add(domain);
  }
  const props: onnx.ModelProto = {
    irVersion,
    producerName: options.producerName ?? 'dadm',
    graph,
    opsetImport: opsets.map(({ domain, version }) => ({ domain, version })),
  };
  if (options.producerVersion !== undefined) props.producerVersion = options.producerVersion;
  if (options.domain !== undefined) props.domain = options.domain;
  if (options.docString !== undefined) props.docString = options.docString;
  if (options.modelVersion !== undefined) {
    if (!Number.isSafeInteger(options.modelVersion)) {
      throw new InvalidOptionError(
        `makeModel: modelVersion must be an integer, got ${options.modelVersion}`,
        'modelVersion',
      );
    }
    props.modelVersion = options.modelVersion;
  }
  if (options.metadataProps !== undefined) props.metadataProps = metadataEntries(options.metadataProps);
  return props;
}

function metadataEntries(meta: Readonly<Record<string, string>>): onnx.StringStringEntryProto[] {
  return Object.keys(meta)
    .sort(compareCodeUnits)
    .map((key) => {
      const value: unknown = meta[key];
      if (typeof value !== 'string') {
        throw new InvalidOptionError(
          `makeModel: metadataProps['${key}'] must be a string, got ${typeof value}`,
          'metadataProps',
        );
      }
      return { key, value };
    });
}

// Serialising is the codec's (deterministic: fields in number order, lists in order); the builders fix
// every other order (attributes and metadata sorted by name), so the same model gives the same bytes.
export { encodeModel } from '../protobuf/index.js';

/**
 * src/protobuf against the outside world: the ONNX files PyTorch/onnx wrote (test/fixtures/onnx) and
 * models built by dadm's writer and quantizer, each decoded by the codec and by onnx-proto (protobufjs).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import { IsolationForest } from '../../src/iforest/index.js';
import { encodeModel as encodeWithWriter } from '../../src/onnx/index.js';
import { exportAutoencoder, exportIsolationForest } from '../../src/onnx-writer/index.js';
import { decodeModel, encodeModel, MODEL_PROTO } from '../../src/protobuf/index.js';
import { quantizeDynamic } from '../../src/quant/index.js';
import { Random } from '../../src/tensor/index.js';
import { decodeWithProtobufjs, encodeWithProtobufjs, plain } from './onnx-proto-reference.js';

const FIXTURES = new URL('../fixtures/onnx/', import.meta.url);
const referenceFiles = readdirSync(FIXTURES).filter((f) => f.endsWith('.onnx'));

function autoencoderModel() {
  const rng = new Random(3);
  const widths = [64, 32, 8, 32, 64];
  const layers = widths.slice(1).map((nOut, i) => ({
    weight: rng.normalFill(new Float32Array(nOut * widths[i]!), 0, 0.2),
    bias: rng.normalFill(new Float32Array(nOut), 0, 0.1),
  }));
  const scaler = { mean: rng.normalFill(new Float32Array(64)), std: rng.uniformFill(new Float32Array(64), 0.5, 2) };
  return exportAutoencoder({ layers, activation: 'relu', inputDim: 64, activeFeatures: null, scaler, metadata: { 'dadm.model_type': 'autoencoder' } }, { dynamicBatch: true });
}

function forestModel() {
  const rng = new Random(4);
  const data = rng.normalFill(new Float32Array(200 * 5));
  const forest = new IsolationForest({ nEstimators: 10, maxSamples: 64, seed: 4 }).fit({ data, shape: [200, 5] });
  return exportIsolationForest(forest.toArrays(), { dynamicBatch: true, metadata: { 'dadm.model_type': 'isolation_forest' } });
}

/** dadm's models as its writer (protobufjs) serializes them. */
const dadmModels: Record<string, () => Uint8Array> = {
  autoencoder: () => encodeWithWriter(autoencoderModel()),
  'isolation forest (ai.onnx.ml TreeEnsembleRegressor)': () => encodeWithWriter(forestModel()),
  'int8 quantized autoencoder': () => encodeWithWriter(quantizeDynamic(autoencoderModel(), { perChannel: true }).model),
};

describe('decodeModel / encodeModel on files written by PyTorch/onnx (C++ protobuf)', () => {
  for (const file of referenceFiles) {
    const bytes = new Uint8Array(readFileSync(new URL(file, FIXTURES)));

    it(`${file}: decodes to what onnx-proto decodes`, () => {
      expect(plain(decodeModel(bytes))).toEqual(decodeWithProtobufjs(MODEL_PROTO, bytes));
    });

    it(`${file}: re-encodes to the bytes onnx-proto writes, which decode equal to the original`, () => {
      // onnx's C++ code leaves dims, ints and floats unpacked (proto2); the codec packs every repeated
      // number as protobufjs does, so its bytes equal protobufjs's, not the file's, and decode equal.
      const reencoded = encodeModel(decodeModel(bytes));
      expect(reencoded).toEqual(encodeWithProtobufjs(MODEL_PROTO, decodeWithProtobufjs(MODEL_PROTO, bytes)));
      expect(decodeWithProtobufjs(MODEL_PROTO, reencoded)).toEqual(decodeWithProtobufjs(MODEL_PROTO, bytes));
      expect(plain(decodeModel(reencoded))).toEqual(plain(decodeModel(bytes)));
    });

    it(`${file}: the codec's encoding of onnx-proto's decoded model decodes equal in onnx-proto`, () => {
      const theirs = decodeWithProtobufjs(MODEL_PROTO, bytes);
      expect(decodeWithProtobufjs(MODEL_PROTO, encodeModel(theirs as never))).toEqual(theirs);
    });
  }
});

describe('decodeModel / encodeModel on models built by dadm (writer, quantizer)', () => {
  for (const [name, make] of Object.entries(dadmModels)) {
    let built: Uint8Array | undefined;
    const build = () => (built ??= make());
    it(`${name}: decodes to what onnx-proto decodes`, () => {
      const bytes = build();
      expect(plain(decodeModel(bytes))).toEqual(decodeWithProtobufjs(MODEL_PROTO, bytes));
    });

    it(`${name}: re-encodes to the identical bytes, and onnx-proto's encoding of the decoded model decodes equal`, () => {
      const bytes = build();
      const mine = decodeModel(bytes);
      expect(encodeModel(mine)).toEqual(bytes);
      expect(plain(decodeModel(encodeWithProtobufjs(MODEL_PROTO, mine)))).toEqual(plain(mine));
    });
  }
});

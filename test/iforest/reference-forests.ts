/** The scikit-learn forests of test/fixtures/iforest.json (see its README) and a loader into dadm. */
import { readFileSync } from 'node:fs';
import { IsolationForest } from '../../src/iforest/index.js';

export interface RefMatrix {
  shape: [number, number];
  data: number[];
}

export interface RefTree {
  children_left: number[];
  children_right: number[];
  feature: number[];
  threshold: number[];
  n_node_samples: number[];
  features: number[];
}

export interface RefForest {
  id: string;
  n_features_in: number;
  max_samples_: number;
  max_features_: number;
  subsample_features: boolean;
  offset_: number;
  contamination: 'auto' | number;
  train_X: RefMatrix;
  train_score_samples: number[];
  trees: RefTree[];
  test_X: RefMatrix;
  test_depth_sum: number[];
  score_samples: number[];
  decision_function: number[];
  predict: number[];
}

export const referenceForests: RefForest[] = (
  JSON.parse(readFileSync(new URL('../fixtures/iforest.json', import.meta.url), 'utf8')) as { forests: RefForest[] }
).forests;

/** Builds the dadm forest from scikit-learn's tree arrays of `f`. */
export function loadReferenceForest(f: RefForest): IsolationForest {
  return IsolationForest.fromSklearn({
    trees: f.trees,
    maxSamples: f.max_samples_,
    nFeaturesIn: f.n_features_in,
    subsampleFeatures: f.subsample_features,
    offset: f.offset_,
    contamination: f.contamination,
  });
}

/**
 * Feature schemas (endpoint-v1 and generic), fixed normalization, model-input validation,
 * standardization and the synthetic endpoint data generator. Depends only on errors and tensor/random.
 */
export {
  FEATURE_DIM,
  CORE_FEATURE_DIM,
  NORMALIZED_CLIP,
  CORE_FEATURES,
  ENDPOINT_V1,
  ENDPOINT_V1_DEFINITION,
  canonicalJson,
  schemaHash,
  schemaFromDefinition,
  genericSchema,
  schemaForMode,
  type FeatureTransform,
  type FeatureDefinition,
  type SchemaDefinition,
  type FeatureSchema,
} from './feature-schema.js';
export { normalizeCore, toModelInput, type NormalizeOptions } from './normalize.js';
export { validateModelInput, widthError, type ValidateInputOptions, type WidthMismatch } from './validate-model-input.js';
export { fitStandardizer, applyStandardizer, standardizeInto, standardizeInPlace, type Standardizer } from './standardizer.js';
export {
  generateHostData,
  ATTACK_NAMES,
  ATTACK_EFFECTS,
  ATTACK_FEATURES,
  type AttackName,
  type AttackEffect,
  type HostDataOptions,
  type HostData,
  planHostData,
  sampleNormalRows,
  plannedAttackRows,
  injectPlannedAttack,
  type HostDataPlan,
} from './synthetic.js';
export { HOST_PROFILES } from './host-profiles.js';
export {
  sequenceHosts,
  generateSequenceData,
  STEPS_PER_DAY,
  type SequenceDataOptions,
  type HostSequence,
  type SequenceData,
} from './synthetic-sequences.js';
export { SEQUENCE_ATTACK_NAMES, ATTACK_CONTEXT_STEPS, type SequenceAttackName } from './sequence-attacks.js';

/**
 * config.yaml: the typed, validated dadm configuration, its defaults, and the one key table that
 * drives validation, the canonical YAML stored in checkpoints and the `dadm init-config` template.
 * YAML is read as data only (`parseYamlData`: no cycles, merge keys or tags, node counts bounded).
 * Depends on errors, limits, onnx (the default opset), tensor (the activation union) and the `yaml`
 * package. See docs/config.md and docs/limits.md.
 */
export {
  parseConfig,
  loadConfig,
  findConfig,
  IMPLICIT_CONFIG_PATH,
  type FoundConfig,
  mergeConfig,
  configToYaml,
  defaultConfig,
  defaultConfigYaml,
  MODEL_KIND_NAMES,
  TRANSFORMER_OBJECTIVE_NAMES,
  type TransformerObjective,
  TRANSFORMER_CENTERING_NAMES,
  type TransformerCentering,
  ENSEMBLE_MEMBER_NAMES,
  ENSEMBLE_COMBINATIONS,
  type EnsembleCombination,
  THRESHOLD_RULES,
  OPTIMIZER_KINDS,
  type EnsembleMemberName,
  type ThresholdRule,
  type DadmConfig,
  type PartialDadmConfig,
  type ModelKind,
  type SchemaMode,
  type ActivationKind,
  type OptimizerKind,
  type ExplainMethod,
  type FederatedSettings,
  type FederatedAggregation,
  type ServerOptimizer,
} from './config.js';
export { MAX_EXACT_WEIGHT } from './config-template.js';
export { parseYamlData, type YamlDataOptions } from './yaml-data.js';

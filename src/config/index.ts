/**
 * config.yaml: the typed, validated dadm configuration, its defaults, and the one key table that
 * drives validation, the canonical YAML stored in checkpoints and the `dadm init-config` template.
 * Depends only on errors and the `yaml` package. See docs/config.md.
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
  type DadmConfig,
  type PartialDadmConfig,
  type ModelKind,
  type SchemaMode,
  type ActivationKind,
  type OptimizerKind,
  type ExplainMethod,
} from './config.js';

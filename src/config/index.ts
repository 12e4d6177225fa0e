// Public surface of configuration.
export {
  ConfigError,
  configSchema,
  defaultConfig,
  DEFAULT_MODELS_DIR,
  ENV_OVERRIDES,
  loadConfig,
  type OmniConfig,
  type TenantWebhookSecrets,
} from './config.js';

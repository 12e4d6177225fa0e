// Public surface of configuration.
export {
  ConfigError,
  configSchema,
  defaultConfig,
  ENV_OVERRIDES,
  loadConfig,
  type OmniConfig,
  type TenantWebhookSecrets,
} from './config.js';

// Node configuration: embedded defaults, overridden by a JSON config file, overridden by environment variables.
// Every option is validated at start; a bad value stops the node with a message naming the option.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';

const tenantSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'tenant ids are lowercase letters, digits, _ and -'),
  /** API keys that authenticate requests as this tenant (`Authorization: Bearer <key>`). */
  apiKeys: z.array(z.string().min(16, 'API keys must be at least 16 characters')).min(1),
});

export const configSchema = z.object({
  /** Interface to listen on. @default 127.0.0.1 */
  host: z.string().min(1),
  /** HTTP port; 0 picks a free port. @default 8080 */
  port: z.number().int().min(0).max(65535),
  /** Where the LMDB environment lives. @default ./data */
  dataDir: z.string().min(1),
  /** Shard worker threads. @default the number of available cores */
  shards: z.number().int().min(1).max(256),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** Largest accepted request body. @default 1 MiB */
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024),
  /** How long the gateway waits for a shard before answering 503. @default 10000 */
  requestTimeoutMs: z.number().int().min(100),
  /** Idle time after which an actor is evicted from memory (it reloads from LMDB on demand). @default 120000 */
  passivateAfterMs: z.number().int().min(10),
  /** Inactivity after which a conversation is archived. @default 86400000 (24 h) */
  archiveAfterMs: z.number().int().min(10),
  /** Lets tests crash a shard worker on purpose (POST /v1/admin/shards/:n/crash). Never enable in production. */
  faultInjection: z.boolean(),
  /** Tenants and their API keys. Empty: a single `default` tenant and no authentication (embedded default). */
  tenants: z.array(tenantSchema),
});

export type OmniConfig = z.infer<typeof configSchema>;

export function defaultConfig(): OmniConfig {
  return {
    host: '127.0.0.1',
    port: 8080,
    dataDir: './data',
    shards: availableParallelism(),
    logLevel: 'info',
    maxBodyBytes: 1024 * 1024,
    requestTimeoutMs: 10_000,
    passivateAfterMs: 120_000,
    archiveAfterMs: 24 * 60 * 60 * 1000,
    faultInjection: false,
    tenants: [],
  };
}

/** Environment variables and the option each one sets. */
export const ENV_OVERRIDES = {
  HOST: 'host',
  PORT: 'port',
  DATA_DIR: 'dataDir',
  SHARDS: 'shards',
  LOG_LEVEL: 'logLevel',
  MAX_BODY_BYTES: 'maxBodyBytes',
  REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  PASSIVATE_AFTER_MS: 'passivateAfterMs',
  ARCHIVE_AFTER_MS: 'archiveAfterMs',
  OMNICX_FAULT_INJECTION: 'faultInjection',
} as const satisfies Record<string, keyof OmniConfig>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const NUMERIC = new Set<keyof OmniConfig>([
  'port',
  'shards',
  'maxBodyBytes',
  'requestTimeoutMs',
  'passivateAfterMs',
  'archiveAfterMs',
]);

/**
 * Loads the configuration: defaults ← file (`configPath`, else `OMNICX_CONFIG`, else ./omnicx.config.json if present)
 * ← environment variables.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, configPath?: string): OmniConfig {
  const merged: Record<string, unknown> = { ...defaultConfig() };
  const file = configPath ?? env.OMNICX_CONFIG ?? (existsSync('omnicx.config.json') ? 'omnicx.config.json' : undefined);
  if (file !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path.resolve(file), 'utf8'));
    } catch (error) {
      throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new ConfigError(`config file ${file} must hold a JSON object`);
    }
    Object.assign(merged, parsed);
  }
  for (const [variable, option] of Object.entries(ENV_OVERRIDES)) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    if (option === 'faultInjection') merged[option] = raw === '1' || raw.toLowerCase() === 'true';
    else if (NUMERIC.has(option)) {
      const value = Number(raw);
      if (!Number.isFinite(value)) throw new ConfigError(`${variable}=${raw} is not a number`);
      merged[option] = value;
    } else merged[option] = raw;
  }
  const result = configSchema.strict().safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return result.data;
}

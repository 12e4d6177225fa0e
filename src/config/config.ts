// Node configuration: embedded defaults, overridden by a JSON config file, overridden by environment variables.
// Every option is validated at start; a bad value stops the node with a message naming the option.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { z } from 'zod';

const optionalSecret = z.string().min(1).optional();

/** A tenant's own webhook secrets: its webhooks are served under /t/<tenant>/webhooks/…. */
const tenantWebhookSecretsSchema = z
  .object({
    whatsapp: z.object({ appSecret: optionalSecret, verifyToken: optionalSecret }).strict().optional(),
    meta: z.object({ appSecret: optionalSecret, verifyToken: optionalSecret }).strict().optional(),
    twilio: z.object({ authToken: optionalSecret }).strict().optional(),
    telegram: z.object({ secretToken: optionalSecret }).strict().optional(),
  })
  .strict();

const tenantSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'tenant ids are lowercase letters, digits, _ and -'),
    /** API keys that authenticate requests as this tenant (`Authorization: Bearer <key>`). */
    apiKeys: z.array(z.string().min(16, 'API keys must be at least 16 characters')).min(1),
    webhooks: tenantWebhookSecretsSchema.optional(),
  })
  .strict();

export type TenantWebhookSecrets = z.infer<typeof tenantWebhookSecretsSchema>;

const channelsSchema = z
  .object({
    whatsapp: z
      .object({
        appSecret: optionalSecret,
        verifyToken: optionalSecret,
        accessToken: optionalSecret,
        phoneNumberId: optionalSecret,
        apiBaseUrl: z.string().url(),
        apiVersion: z.string().min(1),
      })
      .strict(),
    meta: z
      .object({
        appSecret: optionalSecret,
        verifyToken: optionalSecret,
        pageAccessToken: optionalSecret,
        apiBaseUrl: z.string().url(),
        apiVersion: z.string().min(1),
      })
      .strict(),
    twilio: z
      .object({
        accountSid: optionalSecret,
        authToken: optionalSecret,
        fromNumber: optionalSecret,
        apiBaseUrl: z.string().url(),
        voiceGreeting: z.string().min(1),
        voiceLanguage: z.string().min(2),
      })
      .strict(),
    telegram: z
      .object({ secretToken: optionalSecret, botToken: optionalSecret, apiBaseUrl: z.string().url() })
      .strict(),
    email: z
      .object({
        /** SMTP ingress port; 0 picks a free port; null disables the ingress. @default 2525 */
        ingressPort: z.number().int().min(0).max(65535).nullable(),
        ingressHost: z.string().min(1),
        /** Outbound SMTP relay. */
        smtpHost: optionalSecret,
        smtpPort: z.number().int().min(1).max(65535),
        smtpSecure: z.boolean(),
        smtpUser: optionalSecret,
        smtpPass: optionalSecret,
        from: z.string().min(3),
        /** Domain of the Message-IDs we generate. */
        messageIdDomain: z.string().min(1),
      })
      .strict(),
  })
  .strict();

const outboxSchema = z
  .object({
    /** Attempts before a delivery is marked failed. @default 8 */
    maxAttempts: z.number().int().min(1).max(100),
    /** First retry delay; doubles each attempt, with full jitter. @default 1000 */
    baseDelayMs: z.number().int().min(1),
    /** Cap on the retry delay. @default 300000 */
    maxDelayMs: z.number().int().min(1),
    /** Timeout of one provider call. @default 10000 */
    requestTimeoutMs: z.number().int().min(100),
    /** Deliveries in flight at once. @default 64 */
    concurrency: z.number().int().min(1).max(10_000),
  })
  .strict();

const inferenceSchema = z
  .object({
    /** Analyse every inbound message (intent, sentiment, entities, urgency). @default true */
    enabled: z.boolean(),
    /** Folder holding intent/, sentiment/ (and encoder/): the committed default models, or your own. */
    modelsDir: z.string().min(1),
    /** Inference worker threads. @default 1 */
    workers: z.number().int().min(1).max(64),
    /** onnxruntime intra-op threads per worker. @default 1 */
    intraOpNumThreads: z.number().int().min(1).max(64),
    /** Largest micro-batch. @default 32 */
    maxBatch: z.number().int().min(1).max(1024),
    /**
     * Batches an inference worker may hold at once: with 2 the next batch waits in the worker while it answers the
     * current one, instead of the worker idling while messages cross threads (`bench:inference`: median +18 %
     * one-worker maximum over 9 alternating pairs, the same p99 at a given rate; bench/RESULTS.md). @default 2
     */
    pipelineDepth: z.number().int().min(1).max(16),
    /**
     * With an inference worker idle, how long a message waits for others to join its batch (0: the current event-loop
     * turn; while workers are busy, messages batch up on their own). Only while the main thread is busier than
     * `waitAboveUtilization`. A batch has a fixed cost (a thread hop each way, one onnxruntime run: about 0.3 ms), so
     * a wait saves CPU when it is short: at a sustained 300 messages/s, 8 ms cut the node's CPU per message by 10 %.
     * But it adds to every analysed message's latency, and on the 2-core box that cost more than it saved against
     * a 50-ms p99 (`--find-max`: 200/s with 0, 0-100/s with 8 ms; bench/RESULTS.md), hence off by default. @default 0
     */
    maxWaitMs: z.number().min(0).max(1000),
    /** The main thread's event-loop utilization (0-1, last 0.5 s) above which `maxWaitMs` applies. @default 0.5 */
    waitAboveUtilization: z.number().min(0).max(1),
    /** Messages allowed to wait for inference; more are refused (INFERENCE_OVERLOADED). @default 10000 */
    maxQueue: z.number().int().min(1),
    /**
     * Texts each inference worker analyses before it serves (at start, on reload, after a restart): a cold worker's
     * first batch takes ≈ 250 ms and its next few hundred texts run 2-5× slower, which the first customers after a
     * start would otherwise wait for. 1,000 take ≈ 0.5 s of start-up; 0 turns it off. @default 1000
     */
    warmUpTexts: z.number().int().min(0).max(1_000_000),
    /** Product catalogue for entity extraction (names matched whole-word, case-insensitively). */
    products: z.array(z.string().min(1)),
    /** Currency of a bare "$" or "dollars". @default USD */
    defaultCurrency: z.string().length(3),
    /**
     * Your own intents (Requirement 14.4): a name and a handful of example messages each, learned at start-up as a
     * head over the sentence encoder. A message that matches one closely enough takes it instead of the default intent.
     */
    customIntents: z.array(
      z
        .object({
          name: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'intent names: lowercase letters, digits and _'),
          examples: z.array(z.string().trim().min(1).max(1000)).min(2).max(500),
        })
        .strict(),
    ),
  })
  .strict();

const urgencySchema = z
  .object({
    /** Same customer, same intent within this window counts as a repeat contact (Requirement 5.4). @default 7 days */
    repeatWindowMs: z.number().int().min(1),
  })
  .strict();

const admissionSchema = z
  .object({
    /**
     * Inbound messages being committed at once; past it the gateway answers 503 OVERLOADED with Retry-After (providers
     * retry) instead of queueing without bound. @default 4096
     */
    maxInFlight: z.number().int().min(1),
    /**
     * Bound on the ingest queue's delay (admission to durable commit), in ms: once no message has committed within it
     * for 500 ms the queue is standing, and the gateway takes only what it commits within this time, refusing the rest
     * with 503 OVERLOADED + Retry-After (src/pipeline/admission-control.ts); 0 turns it off. Off by default: on this
     * 2-core box it also refused messages at moderate load when the machine was busy (bench/RESULTS.md). @default 0
     */
    targetLatencyMs: z.number().int().min(0),
    /**
     * Analyses held in memory at once (waiting for or in inference). Past it a stored message is not queued in memory:
     * it waits in the durable analysis-due index, goes to a human marked "not analysed" (as when inference is down),
     * and is analysed when there is room. Keeps memory bounded when inference cannot keep up. @default 5000
     */
    maxAnalysisBacklog: z.number().int().min(1),
  })
  .strict();

const routingSchema = z
  .object({
    /** Concurrent conversations per agent unless the agent says otherwise (Requirement 6.4). @default 5 */
    maxConcurrent: z.number().int().min(1).max(100),
    /** An offer not accepted within this time goes to the next agent. @default 30000 */
    offerTimeoutMs: z.number().int().min(100),
    /** Waits after which routing relaxes: skill level, then skill, then language. @default [30 s, 90 s, 180 s] */
    relaxAfterMs: z.array(z.number().int().min(0)).max(3),
    /** A dropped agent keeps their conversations this long before they are re-queued. @default 60000 */
    disconnectGraceMs: z.number().int().min(0),
    /** Words that ask for a human (besides the escalation intent). */
    escalationKeywords: z.array(z.string().min(1)),
    /** Automated answers in a row after which the conversation goes to a human (Requirement 10.2). @default 3 */
    maxFailedAutomation: z.number().int().min(1).max(20),
    /** Agent desk tokens: HS256 secret (≥ 32 chars; default: a key generated in the data directory) and lifetime. */
    tokenSecret: z.string().min(32).optional(),
    tokenTtlSeconds: z.number().int().min(60),
  })
  .strict();

export const configSchema = z.object({
  /** Interface to listen on. @default 127.0.0.1 */
  host: z.string().min(1),
  /** HTTP port; 0 picks a free port. @default 8080 */
  port: z.number().int().min(0).max(65535),
  /** Where the LMDB environment lives. @default ./data */
  dataDir: z.string().min(1),
  /** Shards (actor partitions). @default the number of available cores */
  shards: z.number().int().min(1).max(256),
  /**
   * Where the shards run: `workers` (one worker thread each: isolation, a crashed shard restarts alone, scales with
   * cores) or `inline` (on the main thread: no thread hop per request, which costs more than it saves on a 1-2 core
   * box). @default `inline` with 2 cores or fewer, else `workers`
   */
  shardMode: z.enum(['workers', 'inline']),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  /** Largest accepted request body. @default 1 MiB */
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024),
  /** How long the gateway waits for a shard before answering 503. @default 10000 */
  requestTimeoutMs: z.number().int().min(100),
  /**
   * Idle time after which an actor is evicted from memory (it reloads from LMDB on demand, a few reads). Short, because
   * the main thread's heap is the tail's main cost: 100,000 customers at 300 messages/s, 200 s, gave 3.25-3.31 ms of
   * CPU per message, peak RSS 1.0 GB and a steady-state p99 (offered) of 49-53 ms with 30 s, against 3.65 ms, 1.5 GB
   * and 57 ms with 120 s, whose tail grew with the heap over the run (bench/RESULTS.md). @default 30000
   */
  passivateAfterMs: z.number().int().min(10),
  /**
   * Most actors (conversations, customers, identities together) the node keeps in memory, split evenly between its
   * shards; past it the least recently used idle ones are passivated early (they reload from LMDB on their next
   * message), so memory stays bounded however many customers write at once. About 5 KB of heap each (15 KB per
   * active conversation with its customer and identity). 0: no cap. @default 300000
   */
  maxLiveActors: z.number().int().min(0),
  /** Inactivity after which a conversation is archived. @default 86400000 (24 h) */
  archiveAfterMs: z.number().int().min(10),
  /** Lets tests crash a shard worker on purpose (POST /v1/admin/shards/:n/crash). Never enable in production. */
  faultInjection: z.boolean(),
  /** Tenants and their API keys. Empty: a single `default` tenant and no authentication (embedded default). */
  tenants: z.array(tenantSchema),
  /** The public base URL providers call (Twilio signs it). @default http://HOST:PORT */
  publicUrl: z.string().url().optional(),
  /** Largest media file downloaded from a provider. @default 16 MiB */
  mediaMaxBytes: z.number().int().min(1024),
  channels: channelsSchema,
  outbox: outboxSchema,
  inference: inferenceSchema,
  urgency: urgencySchema,
  routing: routingSchema,
  admission: admissionSchema,
});

export type OmniConfig = z.infer<typeof configSchema>;

/** The committed default models, beside src/ (also when running from a build). */
export const DEFAULT_MODELS_DIR = path.resolve(__dirname, '..', '..', 'models');

export function defaultConfig(): OmniConfig {
  return {
    host: '127.0.0.1',
    port: 8080,
    dataDir: './data',
    shards: availableParallelism(),
    shardMode: availableParallelism() <= 2 ? 'inline' : 'workers',
    logLevel: 'info',
    maxBodyBytes: 1024 * 1024,
    requestTimeoutMs: 10_000,
    passivateAfterMs: 30_000,
    maxLiveActors: 300_000,
    archiveAfterMs: 24 * 60 * 60 * 1000,
    faultInjection: false,
    tenants: [],
    mediaMaxBytes: 16 * 1024 * 1024,
    channels: {
      whatsapp: { apiBaseUrl: 'https://graph.facebook.com', apiVersion: 'v21.0' },
      meta: { apiBaseUrl: 'https://graph.facebook.com', apiVersion: 'v21.0' },
      twilio: {
        apiBaseUrl: 'https://api.twilio.com',
        voiceGreeting: 'Hello, how can we help you today?',
        voiceLanguage: 'en-US',
      },
      telegram: { apiBaseUrl: 'https://api.telegram.org' },
      email: {
        ingressPort: 2525,
        ingressHost: '127.0.0.1',
        smtpPort: 587,
        smtpSecure: false,
        from: 'OmniCX Support <support@omnicx.local>',
        messageIdDomain: 'omnicx.local',
      },
    },
    outbox: { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 300_000, requestTimeoutMs: 10_000, concurrency: 64 },
    inference: {
      enabled: true,
      modelsDir: DEFAULT_MODELS_DIR,
      workers: 1,
      intraOpNumThreads: 1,
      maxBatch: 32,
      pipelineDepth: 2,
      maxWaitMs: 0,
      waitAboveUtilization: 0.5,
      maxQueue: 10_000,
      warmUpTexts: 1000,
      products: [],
      defaultCurrency: 'USD',
      customIntents: [],
    },
    urgency: { repeatWindowMs: 7 * 24 * 60 * 60 * 1000 },
    admission: { maxInFlight: 4096, targetLatencyMs: 0, maxAnalysisBacklog: 5000 },
    routing: {
      maxConcurrent: 5,
      offerTimeoutMs: 30_000,
      relaxAfterMs: [30_000, 90_000, 180_000],
      disconnectGraceMs: 60_000,
      escalationKeywords: ['human', 'agent', 'real person', 'representative', 'supervisor', 'manager', 'operator'],
      maxFailedAutomation: 3,
      tokenTtlSeconds: 12 * 3600,
    },
  };
}

/** Environment variables and the option (dotted path) each one sets. */
export const ENV_OVERRIDES = {
  HOST: 'host',
  PORT: 'port',
  DATA_DIR: 'dataDir',
  SHARDS: 'shards',
  SHARD_MODE: 'shardMode',
  LOG_LEVEL: 'logLevel',
  MAX_BODY_BYTES: 'maxBodyBytes',
  REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  PASSIVATE_AFTER_MS: 'passivateAfterMs',
  MAX_LIVE_ACTORS: 'maxLiveActors',
  ARCHIVE_AFTER_MS: 'archiveAfterMs',
  OMNICX_FAULT_INJECTION: 'faultInjection',
  PUBLIC_URL: 'publicUrl',
  MEDIA_MAX_BYTES: 'mediaMaxBytes',
  WHATSAPP_APP_SECRET: 'channels.whatsapp.appSecret',
  WHATSAPP_VERIFY_TOKEN: 'channels.whatsapp.verifyToken',
  WHATSAPP_ACCESS_TOKEN: 'channels.whatsapp.accessToken',
  WHATSAPP_PHONE_NUMBER_ID: 'channels.whatsapp.phoneNumberId',
  WHATSAPP_API_BASE_URL: 'channels.whatsapp.apiBaseUrl',
  META_APP_SECRET: 'channels.meta.appSecret',
  META_VERIFY_TOKEN: 'channels.meta.verifyToken',
  META_PAGE_ACCESS_TOKEN: 'channels.meta.pageAccessToken',
  META_API_BASE_URL: 'channels.meta.apiBaseUrl',
  TWILIO_ACCOUNT_SID: 'channels.twilio.accountSid',
  TWILIO_AUTH_TOKEN: 'channels.twilio.authToken',
  TWILIO_FROM_NUMBER: 'channels.twilio.fromNumber',
  TWILIO_API_BASE_URL: 'channels.twilio.apiBaseUrl',
  TELEGRAM_SECRET_TOKEN: 'channels.telegram.secretToken',
  TELEGRAM_BOT_TOKEN: 'channels.telegram.botToken',
  TELEGRAM_API_BASE_URL: 'channels.telegram.apiBaseUrl',
  SMTP_PORT: 'channels.email.ingressPort',
  SMTP_HOST: 'channels.email.ingressHost',
  SMTP_OUT_HOST: 'channels.email.smtpHost',
  SMTP_OUT_PORT: 'channels.email.smtpPort',
  SMTP_OUT_SECURE: 'channels.email.smtpSecure',
  SMTP_OUT_USER: 'channels.email.smtpUser',
  SMTP_OUT_PASS: 'channels.email.smtpPass',
  EMAIL_FROM: 'channels.email.from',
  OUTBOX_MAX_ATTEMPTS: 'outbox.maxAttempts',
  OUTBOX_BASE_DELAY_MS: 'outbox.baseDelayMs',
  OUTBOX_MAX_DELAY_MS: 'outbox.maxDelayMs',
  INFERENCE_ENABLED: 'inference.enabled',
  MODELS_DIR: 'inference.modelsDir',
  INFERENCE_WORKERS: 'inference.workers',
  INFERENCE_THREADS: 'inference.intraOpNumThreads',
  INFERENCE_MAX_QUEUE: 'inference.maxQueue',
  INFERENCE_MAX_WAIT_MS: 'inference.maxWaitMs',
  INFERENCE_PIPELINE_DEPTH: 'inference.pipelineDepth',
  INFERENCE_WAIT_ABOVE_UTILIZATION: 'inference.waitAboveUtilization',
  INFERENCE_WARM_UP_TEXTS: 'inference.warmUpTexts',
  URGENCY_REPEAT_WINDOW_MS: 'urgency.repeatWindowMs',
  INGEST_MAX_IN_FLIGHT: 'admission.maxInFlight',
  INGEST_TARGET_LATENCY_MS: 'admission.targetLatencyMs',
  ANALYSIS_MAX_BACKLOG: 'admission.maxAnalysisBacklog',
  AGENT_TOKEN_SECRET: 'routing.tokenSecret',
  OFFER_TIMEOUT_MS: 'routing.offerTimeoutMs',
  AGENT_MAX_CONCURRENT: 'routing.maxConcurrent',
} as const;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const NUMERIC = new Set<string>([
  'port',
  'shards',
  'maxBodyBytes',
  'requestTimeoutMs',
  'passivateAfterMs',
  'maxLiveActors',
  'archiveAfterMs',
  'mediaMaxBytes',
  'channels.email.ingressPort',
  'channels.email.smtpPort',
  'outbox.maxAttempts',
  'outbox.baseDelayMs',
  'outbox.maxDelayMs',
  'inference.workers',
  'inference.intraOpNumThreads',
  'inference.maxQueue',
  'inference.maxWaitMs',
  'inference.pipelineDepth',
  'inference.waitAboveUtilization',
  'inference.warmUpTexts',
  'urgency.repeatWindowMs',
  'admission.maxInFlight',
  'admission.targetLatencyMs',
  'admission.maxAnalysisBacklog',
  'routing.offerTimeoutMs',
  'routing.maxConcurrent',
]);
const BOOLEAN = new Set<string>(['faultInjection', 'channels.email.smtpSecure', 'inference.enabled']);

/** Sets a dotted path in a plain object tree, copying objects on the way so defaults are never mutated. */
function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    node[part] = typeof next === 'object' && next !== null ? { ...(next as Record<string, unknown>) } : {};
    node = node[part] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Deep merge of plain objects (arrays and scalars replace), so a file can set one nested option. */
function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const current = out[key];
    out[key] = isPlainObject(value) && isPlainObject(current) ? deepMerge(current, value) : value;
  }
  return out;
}

/**
 * Loads the configuration: defaults ← file (`configPath`, else `OMNICX_CONFIG`, else ./omnicx.config.json if present)
 * ← environment variables.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, configPath?: string): OmniConfig {
  const merged: Record<string, unknown> = { ...defaultConfig() };
  // An empty OMNICX_CONFIG is unset, like every other variable here (`OMNICX_CONFIG= npm start`).
  const fromEnv = env.OMNICX_CONFIG === '' ? undefined : env.OMNICX_CONFIG;
  const file = configPath ?? fromEnv ?? (existsSync('omnicx.config.json') ? 'omnicx.config.json' : undefined);
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
    Object.assign(merged, deepMerge(merged, parsed as Record<string, unknown>));
  }
  for (const [variable, option] of Object.entries(ENV_OVERRIDES)) {
    const raw = env[variable];
    if (raw === undefined || raw === '') continue;
    if (BOOLEAN.has(option)) setPath(merged, option, raw === '1' || raw.toLowerCase() === 'true');
    else if (NUMERIC.has(option)) {
      const value = Number(raw);
      if (!Number.isFinite(value)) throw new ConfigError(`${variable}=${raw} is not a number`);
      setPath(merged, option, value);
    } else setPath(merged, option, raw);
  }
  const result = configSchema.strict().safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new ConfigError(`invalid configuration: ${problems}`);
  }
  return result.data;
}

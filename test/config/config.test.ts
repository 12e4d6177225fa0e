// Configuration: embedded defaults, file, environment overrides, and clear refusals of bad values.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';

test('embedded defaults', () => {
  const config = loadConfig({}, undefined);
  expect(config).toMatchObject({
    host: '127.0.0.1',
    port: 8080,
    dataDir: './data',
    archiveAfterMs: 86_400_000,
    tenants: [],
  });
  expect(config.shards).toBeGreaterThanOrEqual(1);
  expect(config.maxLiveActors).toBe(300_000);
  // Empty variables are unset, OMNICX_CONFIG included (it used to be read as a file named '').
  expect(loadConfig({ OMNICX_CONFIG: '', PORT: '', MAX_LIVE_ACTORS: '' }, undefined)).toEqual(config);
  expect(loadConfig({ MAX_LIVE_ACTORS: '0' }, undefined).maxLiveActors).toBe(0);
  // Each inference worker warms up on 1,000 texts unless told otherwise (0 turns it off).
  expect(config.inference.warmUpTexts).toBe(1000);
  expect(loadConfig({ INFERENCE_WARM_UP_TEXTS: '0' }, undefined).inference.warmUpTexts).toBe(0);
  expect(() => loadConfig({ INFERENCE_WARM_UP_TEXTS: '-5' }, undefined)).toThrow(/warmUpTexts/);
});

test('file values, then environment overrides', () => {
  const dir = makeTempDir();
  const file = path.join(dir, 'omnicx.json');
  writeFileSync(
    file,
    JSON.stringify({ port: 9000, shards: 3, tenants: [{ id: 'acme', apiKeys: ['0123456789abcdef0123'] }] }),
  );
  const config = loadConfig({ PORT: '9100', DATA_DIR: '/var/lib/omnicx', ARCHIVE_AFTER_MS: '60000' }, file);
  expect(config).toMatchObject({ port: 9100, shards: 3, dataDir: '/var/lib/omnicx', archiveAfterMs: 60_000 });
  expect(config.tenants[0]?.id).toBe('acme');
  removeDir(dir);
});

test.each([
  [{ PORT: 'eighty' }, /PORT=eighty is not a number/],
  [{ PORT: '70000' }, /port/],
  [{ SHARDS: '0' }, /shards/],
  [{ LOG_LEVEL: 'chatty' }, /logLevel/],
])('bad environment value %p is refused', (env, message) => {
  expect(() => loadConfig(env as NodeJS.ProcessEnv, undefined)).toThrow(ConfigError);
  expect(() => loadConfig(env as NodeJS.ProcessEnv, undefined)).toThrow(message);
});

test('bad config files are refused with the option named', () => {
  const dir = makeTempDir();
  const bad = path.join(dir, 'bad.json');
  writeFileSync(bad, '{"port": 1, "colour": "red"}');
  expect(() => loadConfig({}, bad)).toThrow(/colour/);
  writeFileSync(bad, '{not json');
  expect(() => loadConfig({}, bad)).toThrow(/cannot read config file/);
  writeFileSync(bad, JSON.stringify({ tenants: [{ id: 'Bad Id', apiKeys: ['short'] }] }));
  expect(() => loadConfig({}, bad)).toThrow(/tenants/);
  removeDir(dir);
});

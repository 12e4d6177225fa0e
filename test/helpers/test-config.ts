// Node configuration for tests: embedded defaults with every listening port picked by the OS.
import * as path from 'node:path';
import { defaultConfig, type OmniConfig } from '../../src/config/index.js';

export function testConfig(dir: string, overrides: Partial<OmniConfig> = {}): OmniConfig {
  const base = defaultConfig();
  return {
    ...base,
    port: 0,
    shards: 2,
    dataDir: path.join(dir, 'data'),
    channels: { ...base.channels, email: { ...base.channels.email, ingressPort: 0 } },
    // Analysis needs an inference worker per node; the tests of the pipeline turn it on.
    inference: { ...base.inference, enabled: false },
    ...overrides,
  };
}

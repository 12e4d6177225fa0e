// Command-line entry: `npm start` (or `node --require tsx/cjs src/main.ts`). Starts one embedded OmniCX node.
import { ConfigError, ENV_OVERRIDES, loadConfig } from './config/index.js';
import { IncompatibleDataDirError } from './persistence/index.js';
import { OmniNode } from './node.js';

const HELP = `OmniCX node — omnichannel customer-experience platform (embedded mode)

Usage: npm start [-- --config <file>]
       node --require tsx/cjs src/main.ts [--config <file>] [--help]

Options:
  --config <file>   JSON configuration file (default: $OMNICX_CONFIG, else ./omnicx.config.json if present)
  --help            show this help

Environment overrides (take precedence over the file):
${Object.entries(ENV_OVERRIDES)
  .map(([variable, option]) => `  ${variable.padEnd(24)} ${option}`)
  .join('\n')}

Defaults: HOST 127.0.0.1, PORT 8080, DATA_DIR ./data, SHARDS = CPU cores, SHARD_MODE inline on ≤ 2 cores (else
workers), archive after 24 h of inactivity.
Stops gracefully on SIGTERM / SIGINT. See README.md and docs/api.md.`;

async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const configIndex = argv.indexOf('--config');
  const configPath = configIndex >= 0 ? argv[configIndex + 1] : undefined;
  if (configIndex >= 0 && configPath === undefined) {
    process.stderr.write('--config needs a file path\n');
    return 2;
  }
  let node: OmniNode;
  try {
    node = new OmniNode(loadConfig(process.env, configPath));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`omnicx: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  try {
    await node.start();
  } catch (error) {
    if (error instanceof IncompatibleDataDirError) {
      node.logger.fatal({ dataDir: error.dataDir }, error.message);
      return 3;
    }
    node.logger.fatal({ err: error }, 'start-up failed');
    return 1;
  }
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      node.logger.info({ signal }, 'signal received');
      void node.stop().then(resolve);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`omnicx: fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);

// Benchmark: sustained HTTP → durable-commit throughput of POST /v1/messages, against a bare uWebSockets.js server
// as the ceiling, measured in the same run with the same load generator (autocannon, in this process; both servers
// in their own processes on 127.0.0.1). Then latency at half the measured OmniCX rate. Results are appended to
// bench/RESULTS.md; raw figures and an HTML chart go to bench/results/.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine, machineInfo } from './lib/machine.js';
import { figuresTable, runLoad, type LoadFigures } from './lib/load.js';
import { runWrk, wrkAvailable } from './lib/wrk.js';
import { startNodeProcess, stopNodeProcess } from './lib/node-process.js';
import { appendResults, saveRaw } from './lib/results-file.js';

const HELP = `Usage: npm run bench:ingest -- [--duration 20] [--connections 128] [--senders 10000] [--shards N]

Measures POST /v1/messages → durable commit on an OmniCX node, and the same load on a bare uWebSockets.js server
(the ceiling), then latency at half the OmniCX rate. Appends the figures to bench/RESULTS.md.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '20' },
      connections: { type: 'string', default: '128' },
      senders: { type: 'string', default: '10000' },
      shards: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const durationSec = Number(values.duration);
  const connections = Number(values.connections);
  const senders = Number(values.senders);
  const machine = machineInfo();
  const shards = values.shards ?? String(machine.cpus);
  console.error(
    `ingest benchmark on ${describeMachine(machine)}; ${shards} shards, ${connections} connections, ${durationSec} s runs`,
  );

  // Maximum-throughput runs use wrk when installed (bench/setup.sh), so the generator is not the bottleneck; the
  // fixed-rate latency run uses autocannon, which can hold a rate.
  const useWrk = wrkAvailable();
  const maxLoad = (url: string, label: string) =>
    useWrk
      ? runWrk({ url, connections, durationSec, senders, label: `${label} [wrk]` })
      : runLoad({ url, connections, durationSec, senders, label: `${label} [autocannon]` });
  const figures: LoadFigures[] = [];
  console.error('1/4 bare uWebSockets.js ceiling');
  const bare = await startNodeProcess({}, { script: path.join(__dirname, 'bare-uws-server.ts'), readyPath: '/health' });
  figures.push(await maxLoad(bare.base, 'bare uWS (ceiling)'));
  await stopNodeProcess(bare);

  const dataDir = path.join(tmpdir(), `omnicx-bench-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  const node = await startNodeProcess({ DATA_DIR: dataDir, SHARDS: shards });
  console.error('2/4 warm-up (first contact of every sender: identity claims, profiles, conversations)');
  await runLoad({
    url: node.base,
    connections,
    durationSec: Math.max(5, Math.round(durationSec / 2)),
    senders,
    label: 'warm-up',
  });
  console.error('3/4 OmniCX sustained throughput (durable commit before every 202)');
  const omni = await maxLoad(node.base, 'OmniCX max');
  figures.push(omni);
  console.error('4/4 OmniCX latency at half that rate');
  const half = Math.round(omni.rps / 2);
  figures.push(
    await runLoad({ url: node.base, connections, durationSec, senders, rate: half, label: `OmniCX at ${half}/s` }),
  );
  const metrics = await (await fetch(`${node.base}/metrics`)).text();
  const rss = Number(/omnicx_process_resident_memory_bytes (\d+)/.exec(metrics)?.[1] ?? 0);
  await stopNodeProcess(node);
  rmSync(dataDir, { recursive: true, force: true });

  const [ceiling] = figures;
  const ratio = omni.rps / (ceiling?.rps ?? 1);
  const command = `npm run bench:ingest -- --duration ${durationSec} --connections ${connections} --senders ${senders} --shards ${shards}`;
  const table = figuresTable(figures);
  const section = `## Ingest throughput — ${new Date().toISOString()}

Machine: ${describeMachine(machine)}. Command: \`${command}\`.
Load generators (wrk for the maximum-throughput runs when installed, autocannon for the fixed-rate run) and each server in separate processes on 127.0.0.1, sharing the same cores.

${table}

OmniCX / bare uWS ceiling: **${ratio.toFixed(3)}** (${Math.round(omni.rps)} vs ${Math.round(ceiling?.rps ?? 0)} req/s). Node RSS after the runs: ${(rss / 1024 ** 2).toFixed(0)} MiB.`;
  appendResults(section);
  const saved = saveRaw('ingest', { machine, command, figures, ratio, rss }, chart(figures));
  console.log(section);
  console.log(`\nraw figures and chart: ${saved}.{json,html}`);
}

/** A small self-contained HTML report: requests per second over time and latency percentiles per run. */
function chart(figures: LoadFigures[]): string {
  const width = 640;
  const height = 200;
  const max = Math.max(1, ...figures.flatMap((f) => f.perSecond));
  const colours = ['#888', '#1f77b4', '#ff7f0e', '#2ca02c'];
  const lines = figures
    .map((f, i) => {
      const points = f.perSecond
        .map((v, t) => `${(t / Math.max(1, f.perSecond.length - 1)) * width},${height - (v / max) * height}`)
        .join(' ');
      return `<polyline fill="none" stroke="${colours[i % 4]}" stroke-width="2" points="${points}"><title>${f.label}</title></polyline>`;
    })
    .join('');
  const rows = figures
    .map(
      (f, i) =>
        `<tr><td style="color:${colours[i % 4]}">${f.label}</td><td>${Math.round(f.rps)}</td><td>${f.latencyMs.p50}</td><td>${f.latencyMs.p90}</td><td>${f.latencyMs.p99}</td><td>${f.latencyMs.p999}</td></tr>`,
    )
    .join('');
  return `<!doctype html><meta charset="utf-8"><title>OmniCX ingest benchmark</title>
<body style="font-family:sans-serif"><h1>Ingest benchmark</h1><h2>Requests per second over time (max ${max})</h2>
<svg width="${width}" height="${height}" style="border:1px solid #ccc">${lines}</svg>
<h2>Latency (ms)</h2><table border="1" cellpadding="4"><tr><th>run</th><th>req/s</th><th>p50</th><th>p90</th><th>p99</th><th>p99.9</th></tr>${rows}</table></body>`;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

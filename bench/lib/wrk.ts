// wrk (C, epoll) as the load generator for maximum-throughput runs: it costs the shared cores far less than a
// JavaScript generator, so the servers, not the generator, set the ceiling. A Lua script gives every request its own
// body: senders rotate over the same channels as lib/load.ts, each with a unique provider message id.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { LoadFigures } from './load.js';

export function wrkAvailable(): boolean {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk prints its version and exits 1.
    return (error as { status?: number }).status === 1;
  }
}

/** Prints wrk's summary as one JSON line that runWrkScript parses. */
const DONE = `done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('RESULT {"requests":%d,"durationUs":%d,"errors":%d,"non2xx":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d,"mean":%f}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9), latency.max, latency.mean))
end
`;

const SCRIPT = `
local counter = 0
local nthread = 0
setup = function(thread) thread:set("tid", nthread); nthread = nthread + 1 end
local channels = {"whatsapp", "sms", "telegram", "email", "webchat", "voice"}
request = function()
  counter = counter + 1
  local n = counter
  local sender = (n + tid * 7919) % SENDERS
  local channel = channels[(sender % 6) + 1]
  local from
  if channel == "email" then from = "customer" .. sender .. "@example.com"
  elseif channel == "telegram" or channel == "webchat" then from = "user" .. sender
  else from = string.format("+1555%07d", sender) end
  local body = string.format('{"channel":"%s","from":"%s","text":"Hello, this is message %d: my order #A%d has not arrived yet, can you help?","providerMessageId":"wrk-%s-%d-%d"}', channel, from, n, 100000 + n % 900000, RUN, tid, n)
  return wrk.format("POST", "/v1/messages", {["Content-Type"] = "application/json"}, body)
end
${DONE}`;

export function runWrk(options: {
  url: string;
  connections: number;
  durationSec: number;
  senders: number;
  label: string;
}): Promise<LoadFigures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'omnicx-wrk-'));
  const script = path.join(dir, 'ingest.lua');
  writeFileSync(script, `SENDERS = ${options.senders}\nRUN = "${process.pid}${Date.now()}"\n${SCRIPT}`);
  return runWrkScript(script, options);
}

const BODIES_SCRIPT = `
local lines = {}
local i = 0
init = function(args)
  for line in io.lines(FILE) do lines[#lines + 1] = line end
end
request = function()
  i = i + 1
  local line = lines[((i - 1) % #lines) + 1]
  local tab = string.find(line, "\\t", 1, true)
  return wrk.format("POST", PATH, {["Content-Type"] = "application/json", [HEADER] = string.sub(line, 1, tab - 1)}, string.sub(line, tab + 1))
end
${DONE}`;

/**
 * wrk replaying pre-built requests: each line of `file` is `<header value>\t<body>` (e.g. a signature and the signed
 * JSON), so the generator spends no CPU on signing during the run. Lines cycle if the run outlasts the file.
 */
export function runWrkReplay(options: {
  url: string;
  path: string;
  header: string;
  file: string;
  connections: number;
  durationSec: number;
  label: string;
}): Promise<LoadFigures> {
  const dir = mkdtempSync(path.join(tmpdir(), 'omnicx-wrk-'));
  const script = path.join(dir, 'replay.lua');
  writeFileSync(
    script,
    `FILE = ${JSON.stringify(options.file)}\nPATH = ${JSON.stringify(options.path)}\nHEADER = ${JSON.stringify(options.header)}\n${BODIES_SCRIPT}`,
  );
  return runWrkScript(script, options);
}

function runWrkScript(
  script: string,
  options: { url: string; connections: number; durationSec: number; label: string },
): Promise<LoadFigures> {
  const args = [
    '-t',
    '1',
    '-c',
    String(options.connections),
    '-d',
    `${options.durationSec}s`,
    '--timeout',
    '10s',
    '-s',
    script,
    options.url,
  ];
  process.stderr.write(`  ${options.label}: wrk ${args.join(' ')}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => process.stderr.write(d));
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || line === undefined) {
        reject(new Error(`wrk failed (${code}):\n${out}`));
        return;
      }
      resolve(parseResult(options.label, line));
    });
  });
}

function parseResult(label: string, line: string): LoadFigures {
  const r = JSON.parse(line.slice('RESULT '.length)) as Record<string, number>;
  const ms = (us: number | undefined) => Math.round(((us ?? 0) / 1000) * 100) / 100;
  return {
    label,
    requests: r.requests ?? 0,
    rps: (r.requests ?? 0) / ((r.durationUs ?? 1) / 1e6),
    latencyMs: { p50: ms(r.p50), p90: ms(r.p90), p99: ms(r.p99), p999: ms(r.p999), max: ms(r.max), mean: ms(r.mean) },
    non2xx: r.non2xx ?? 0,
    errors: r.errors ?? 0,
    timeouts: 0,
    perSecond: [],
  };
}

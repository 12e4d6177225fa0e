// Benchmark for the channel gateway: signed WhatsApp Cloud API webhooks per second to durable commit, against the
// bare uWebSockets.js ceiling in the same run, and the outbox's delivery rate to a local server speaking the Twilio
// Messages API. Every server runs in its own process; results are appended to bench/RESULTS.md.
import { createHmac } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { describeMachine, machineInfo } from './lib/machine.js';
import { figuresTable, runLoad, type LoadFigures } from './lib/load.js';
import { runWrkReplay, wrkAvailable } from './lib/wrk.js';
import { freePort, startNodeProcess, stopNodeProcess } from './lib/node-process.js';
import { appendResults, saveRaw } from './lib/results-file.js';

const HELP = `Usage: npm run bench:webhooks -- [--duration 20] [--connections 128] [--senders 10000] [--replies 5000]

1. signed WhatsApp webhooks → durable commit on an OmniCX node, vs the same load on a bare uWS server;
2. outbox delivery rate: --replies replies queued through the API, delivered to a local Twilio-speaking server.`;

const SECRET = 'bench-whatsapp-app-secret';

function whatsappWebhook(n: number, sender: number): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: '102290129340398',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' },
              contacts: [{ profile: { name: `Customer ${sender}` }, wa_id: `1555${String(sender).padStart(7, '0')}` }],
              messages: [
                {
                  from: `1555${String(sender).padStart(7, '0')}`,
                  id: `wamid.bench-${process.pid}-${n}`,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: 'text',
                  text: { body: `Hi, order #A${100000 + n} has not arrived, can you check? (${n})` },
                },
              ],
            },
          },
        ],
      },
    ],
  });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
  };
}

/** Writes signed webhook bodies (`signature\tbody` per line) for a warm-up and a measured run: unique message ids. */
function signedBodies(durationSec: number, senders: number): { warm: string; run: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'omnicx-signed-'));
  const write = (name: string, count: number, offset: number) => {
    const file = path.join(dir, name);
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      const n = offset + i;
      const { body, headers } = whatsappWebhook(n, n % senders);
      lines.push(`${headers['x-hub-signature-256']}\t${body}`);
      if (lines.length === 10_000) {
        appendFileSync(file, `${lines.join('\n')}\n`);
        lines.length = 0;
      }
    }
    if (lines.length > 0) appendFileSync(file, `${lines.join('\n')}\n`);
    return file;
  };
  // Enough distinct messages for 25,000/s: a faster run would start replaying (answered as duplicates).
  const perSecond = 25_000;
  process.stderr.write(`  signing ${perSecond * durationSec * 1.5} webhook bodies\n`);
  return {
    warm: write('warm.txt', Math.round(perSecond * Math.max(5, durationSec / 2)), 0),
    run: write('run.txt', perSecond * durationSec, 10_000_000),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string', default: '20' },
      connections: { type: 'string', default: '128' },
      senders: { type: 'string', default: '10000' },
      replies: { type: 'string', default: '5000' },
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
  const replies = Number(values.replies);
  const machine = machineInfo();
  console.error(`webhook benchmark on ${describeMachine(machine)}`);

  // With wrk installed, requests are signed ahead of time into files that wrk replays, so the run measures the server,
  // not the generator's HMAC work; without it autocannon signs each request as it goes.
  const files = wrkAvailable() ? signedBodies(durationSec, senders) : undefined;
  const warmSec = Math.max(5, Math.round(durationSec / 2));
  const load = (url: string, pathname: string, label: string, warm = false) =>
    files !== undefined
      ? runWrkReplay({
          url,
          path: pathname,
          header: 'X-Hub-Signature-256',
          file: warm ? files.warm : files.run,
          connections,
          durationSec: warm ? warmSec : durationSec,
          label: `${label} [wrk]`,
        })
      : runLoad({
          url,
          path: pathname,
          connections,
          durationSec: warm ? warmSec : durationSec,
          senders,
          build: whatsappWebhook,
          label: `${label} [autocannon]`,
        });
  const figures: LoadFigures[] = [];
  console.error('1/4 bare uWebSockets.js ceiling (same signed payloads, no work)');
  const bare = await startNodeProcess({}, { script: path.join(__dirname, 'bare-uws-server.ts'), readyPath: '/health' });
  figures.push(await load(bare.base, '/v1/messages', 'bare uWS (ceiling)'));
  await stopNodeProcess(bare);

  const providerPort = await freePort();
  const provider = await startNodeProcess(
    { PORT: String(providerPort) },
    { script: path.join(__dirname, 'provider-server.ts'), readyPath: '/health' },
  );
  const dataDir = path.join(tmpdir(), `omnicx-bench-webhooks-${process.pid}`);
  rmSync(dataDir, { recursive: true, force: true });
  const node = await startNodeProcess({
    DATA_DIR: dataDir,
    WHATSAPP_APP_SECRET: SECRET,
    WHATSAPP_VERIFY_TOKEN: 'bench',
    TWILIO_ACCOUNT_SID: 'ACbench',
    TWILIO_AUTH_TOKEN: 'bench-token',
    TWILIO_FROM_NUMBER: '+15550000000',
    TWILIO_API_BASE_URL: provider.base,
  });
  console.error('2/4 warm-up (first contact of every sender)');
  await load(node.base, '/webhooks/whatsapp', 'warm-up', true);
  console.error('3/4 signed WhatsApp webhooks → durable commit');
  const omni = await load(node.base, '/webhooks/whatsapp', 'OmniCX WhatsApp webhooks');
  figures.push(omni);

  console.error(`4/4 outbox: ${replies} SMS replies delivered to a local Twilio-speaking server`);
  const conversations: string[] = [];
  for (let i = 0; i < Math.min(replies, 2000); i++) {
    const res = await fetch(`${node.base}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel: 'sms', from: `+1777${String(i).padStart(7, '0')}`, text: 'help please' }),
    });
    conversations.push(((await res.json()) as { conversationId: string }).conversationId);
  }
  const queuedAt = Date.now();
  let queued = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (queued < replies) {
        const i = queued++;
        await fetch(`${node.base}/v1/conversations/${conversations[i % conversations.length]}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ text: `Your order ships today (${i}).` }),
        });
      }
    }),
  );
  const queueMs = Date.now() - queuedAt;
  let delivered = 0;
  while (delivered < replies) {
    delivered = Number(await (await fetch(`${provider.base}/count`)).text());
    process.stderr.write(`\r  delivered ${delivered}/${replies}   `);
    if (Date.now() - queuedAt > 300_000) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write('\n');
  const deliverMs = Date.now() - queuedAt;
  await stopNodeProcess(node);
  await stopNodeProcess(provider);
  rmSync(dataDir, { recursive: true, force: true });

  const ratio = omni.rps / (figures[0]?.rps ?? 1);
  const command = `npm run bench:webhooks -- --duration ${durationSec} --connections ${connections} --senders ${senders} --replies ${replies}`;
  const table = figuresTable(figures);
  const section = `## Channel gateway: signed webhooks and outbox — ${new Date().toISOString()}

Machine: ${describeMachine(machine)}. Command: \`${command}\`.
Load generator (wrk replaying bodies signed beforehand, or autocannon signing each request) and each server in separate processes on 127.0.0.1.

${table}

Signed WhatsApp webhooks / bare uWS ceiling: **${ratio.toFixed(3)}**.
Outbox: ${replies} replies queued through the API in ${queueMs} ms; ${delivered} delivered to the local Twilio-speaking
server ${deliverMs} ms after the first was queued: **${Math.round((delivered / deliverMs) * 1000)} deliveries/s** end to end (store, queue, send, record outcome).`;
  appendResults(section);
  saveRaw('webhooks', { machine, command, figures, ratio, replies, delivered, queueMs, deliverMs });
  console.log(section);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

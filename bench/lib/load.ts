// The load generator for ingest benchmarks: autocannon in this process (the servers run in others), sending
// realistic /v1/messages bodies across channels and a fixed population of senders, one unique provider id each.
import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  /** Path to post to. @default '/v1/messages' */
  path?: string;
  /** Builds request n (body and extra headers); default: a /v1/messages JSON body. */
  build?: (n: number, sender: number) => { body: string; headers?: Record<string, string> };
  connections: number;
  durationSec: number;
  /** Requests per second across all connections; omit for "as fast as possible". */
  rate?: number;
  senders: number;
  label: string;
}

export interface LoadFigures {
  label: string;
  requests: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  perSecond: number[];
}

const CHANNELS = ['whatsapp', 'sms', 'telegram', 'email', 'webchat', 'voice'] as const;
let counter = 0;

export function messageBody(sender: number, n: number): string {
  const channel = CHANNELS[sender % CHANNELS.length] as string;
  const from =
    channel === 'email'
      ? `customer${sender}@example.com`
      : channel === 'telegram' || channel === 'webchat'
        ? `user${sender}`
        : `+1555${String(sender).padStart(7, '0')}`;
  return JSON.stringify({
    channel,
    from,
    text: `Hello, this is message ${n}: my order #A${100000 + (n % 900000)} has not arrived yet, can you help?`,
    providerMessageId: `bench-${process.pid}-${n}`,
  });
}

export function runLoad(options: LoadOptions): Promise<LoadFigures> {
  return new Promise((resolve, reject) => {
    const perSecond: number[] = [];
    const instance = autocannon(
      {
        url: `${options.url}${options.path ?? '/v1/messages'}`,
        method: 'POST',
        connections: options.connections,
        duration: options.durationSec,
        ...(options.rate === undefined ? {} : { overallRate: options.rate }),
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (request) => {
              const n = ++counter;
              if (options.build === undefined) return { ...request, body: messageBody(n % options.senders, n) };
              const built = options.build(n, n % options.senders);
              return { ...request, body: built.body, headers: { ...request.headers, ...built.headers } };
            },
          },
        ],
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        const l = result.latency as unknown as Record<string, number>;
        resolve({
          label: options.label,
          requests: result.requests.total,
          rps: result.requests.total / options.durationSec,
          latencyMs: {
            p50: l.p50 ?? 0,
            p90: l.p90 ?? 0,
            p99: l.p99 ?? 0,
            p999: l.p99_9 ?? 0,
            max: l.max ?? 0,
            mean: l.average ?? 0,
          },
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          perSecond,
        });
      },
    );
    // autocannon emits 'tick' once a second; its typings omit the event.
    (instance as unknown as NodeJS.EventEmitter).on('tick', (counts: { counter: number }) => {
      perSecond.push(counts.counter);
      process.stderr.write(
        `\r  ${options.label}: ${perSecond.length}/${options.durationSec} s, ${counts.counter} req/s      `,
      );
    });
    instance.on('done', () => process.stderr.write('\n'));
  });
}

/** The markdown table every throughput benchmark appends to bench/RESULTS.md. */
export function figuresTable(figures: LoadFigures[]): string {
  return [
    '| run | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | non-2xx | errors |',
    '|---|---|---|---|---|---|---|---|',
    ...figures.map(
      (f) =>
        `| ${f.label} | ${Math.round(f.rps)} | ${f.latencyMs.p50} | ${f.latencyMs.p90} | ${f.latencyMs.p99} | ${f.latencyMs.p999} | ${f.non2xx} | ${f.errors + f.timeouts} |`,
    ),
  ].join('\n');
}

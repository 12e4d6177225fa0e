// The harness's HTML report: self-contained (inline SVG, no script), with latency over time (p50/p99 per second),
// throughput over time, the node's memory over time, and percentile curves.
export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
}

export interface ReportInput {
  title: string;
  subtitle: string;
  summaryHtml: string;
  latencyOverTime: Series[];
  throughputOverTime: Series[];
  memoryOverTime: Series[];
  percentiles: Series[];
  events: Array<{ t: number; label: string }>;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** A line chart; `xLog` plots x as the percentile's "nines" (−log10(1 − p/100)). */
function chart(
  title: string,
  series: Series[],
  yLabel: string,
  options: { percentileAxis?: boolean; events?: Array<{ t: number; label: string }>; logY?: boolean } = {},
): string {
  const W = 900;
  const H = 300;
  const L = 70;
  const R = 20;
  const T = 30;
  const B = 40;
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  if (xs.length === 0) return `<h3>${escape(title)}</h3><p>no data</p>`;
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs, xMin + 1);
  const logY = options.logY === true && Math.min(...ys) > 0;
  const yMaxRaw = Math.max(...ys, 0);
  const yMax = logY ? 10 ** Math.ceil(Math.log10(Math.max(yMaxRaw, 1))) : niceMax(yMaxRaw);
  const yMin = logY ? 10 ** Math.floor(Math.log10(Math.max(Math.min(...ys), 0.01))) : 0;
  const px = (x: number) => L + ((x - xMin) / (xMax - xMin)) * (W - L - R);
  const py = (y: number) =>
    logY
      ? H -
        B -
        ((Math.log10(Math.max(y, yMin)) - Math.log10(yMin)) / (Math.log10(yMax) - Math.log10(yMin))) * (H - T - B)
      : H - B - ((y - yMin) / (yMax - yMin)) * (H - T - B);
  const parts: string[] = [];
  const yTicks = logY
    ? Array.from({ length: Math.round(Math.log10(yMax / yMin)) + 1 }, (_, i) => yMin * 10 ** i)
    : Array.from({ length: 6 }, (_, i) => (yMax * i) / 5);
  for (const y of yTicks) {
    parts.push(`<line x1="${L}" x2="${W - R}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`);
    parts.push(`<text x="${L - 6}" y="${py(y) + 4}" text-anchor="end" font-size="11">${+y.toPrecision(3)}</text>`);
  }
  const xTicks = options.percentileAxis
    ? [0, 1, 2, 3, 4]
        .filter((n) => n <= xMax + 1e-9)
        .map((n) => [n, ['0', '90', '99', '99.9', '99.99'][n] as string] as const)
    : Array.from({ length: 7 }, (_, i) => {
        const x = xMin + ((xMax - xMin) * i) / 6;
        return [x, String(Math.round(x))] as const;
      });
  for (const [x, label] of xTicks) {
    parts.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${T}" y2="${H - B}" stroke="#eee"/>`);
    parts.push(`<text x="${px(x)}" y="${H - B + 16}" text-anchor="middle" font-size="11">${label}</text>`);
  }
  for (const e of options.events ?? []) {
    parts.push(`<line x1="${px(e.t)}" x2="${px(e.t)}" y1="${T}" y2="${H - B}" stroke="#c00" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${px(e.t) + 4}" y="${T + 12}" font-size="11" fill="#c00">${escape(e.label)}</text>`);
  }
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const d = s.points.map((p, j) => `${j === 0 ? 'M' : 'L'}${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join('');
    parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"/>`);
    parts.push(`<rect x="${L + 10 + i * 190}" y="8" width="12" height="12" fill="${s.color}"/>`);
    parts.push(`<text x="${L + 26 + i * 190}" y="18" font-size="12">${escape(s.name)}</text>`);
  });
  parts.push(`<line x1="${L}" x2="${L}" y1="${T}" y2="${H - B}" stroke="#333"/>`);
  parts.push(`<line x1="${L}" x2="${W - R}" y1="${H - B}" y2="${H - B}" stroke="#333"/>`);
  parts.push(
    `<text x="14" y="${(H - B + T) / 2}" font-size="12" transform="rotate(-90 14 ${(H - B + T) / 2})" text-anchor="middle">${escape(yLabel)}</text>`,
  );
  parts.push(
    `<text x="${(W + L) / 2}" y="${H - 6}" font-size="12" text-anchor="middle">${options.percentileAxis ? 'percentile' : 'seconds since start'}</text>`,
  );
  return `<h3>${escape(title)}</h3><svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">${parts.join('')}</svg>`;
}

/** Percentile → x position on the "nines" axis. */
export function ninesX(percentile: number): number {
  return -Math.log10(Math.max(1e-6, 1 - percentile / 100));
}

export function renderReport(input: ReportInput): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escape(input.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;max-width:960px}table{border-collapse:collapse;margin:8px 0}
td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f4f4f4}td:first-child,th:first-child{text-align:left}
.ok{color:#070}.bad{color:#b00;font-weight:bold}code{background:#f4f4f4;padding:1px 4px}</style></head><body>
<h1>${escape(input.title)}</h1><p>${escape(input.subtitle)}</p>
${input.summaryHtml}
${chart('Latency over time (per second)', input.latencyOverTime, 'ms', { events: input.events, logY: true })}
${chart('Throughput over time', input.throughputOverTime, 'per second', { events: input.events })}
${chart('Node resident memory and CPU', input.memoryOverTime, 'MiB / % of one core', { events: input.events })}
${chart('Latency by percentile (whole run)', input.percentiles, 'ms', { percentileAxis: true, logY: true })}
</body></html>
`;
}

// Appends a benchmark's section to bench/RESULTS.md and saves raw figures under bench/results/ (not committed).
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export const BENCH_DIR = path.resolve(__dirname, '..');
export const RESULTS_DIR = path.join(BENCH_DIR, 'results');

export function appendResults(markdown: string): void {
  const file = path.join(BENCH_DIR, 'RESULTS.md');
  if (!existsSync(file))
    writeFileSync(file, '# Benchmark results\n\nEach section is one run, appended by the benchmark itself.\n');
  appendFileSync(file, `\n${markdown.trim()}\n`);
}

export function saveRaw(name: string, data: unknown, html?: string): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const base = path.join(RESULTS_DIR, `${name}-${stamp}`);
  writeFileSync(`${base}.json`, JSON.stringify(data, null, 2));
  if (html !== undefined) writeFileSync(`${base}.html`, html);
  return base;
}

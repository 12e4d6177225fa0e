// Entity extraction measured on the Bitext annotations (../shared/datasets/bitext): precision and recall for the
// entity types both sides have (order_id, invoice_id, refund_amount → money). Values are compared normalized (no '#',
// no leading zeros; amounts as numbers). Bitext's own annotations are noisy (about a third of the offsets are off,
// some values truncated), so the figures are a floor rather than an exact score.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { EntityExtractor, type Entity } from '../src/inference/entities/entity-extractor.js';
import { csvRows } from './lib/csv.js';

const HELP = `Usage: npm run eval:entities -- [--data ../shared/datasets]

Prints precision / recall per entity type against the Bitext annotations.`;

const TYPES: Record<string, Entity['type']> = {
  order_id: 'order_id',
  invoice_id: 'invoice_id',
  refund_amount: 'money',
};

function normalize(type: Entity['type'], value: string | { amount: number }): string {
  if (typeof value === 'object') return String(value.amount);
  if (type === 'money') return String(Number(value.replace(/[^\d.]/g, '')));
  return value
    .replace(/^#/, '')
    .replace(/^0+(?=\d)/, '')
    .toUpperCase();
}

function main(): void {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: path.resolve(__dirname, '..', '..', 'shared', 'datasets') },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const extractor = new EntityExtractor();
  const counts = new Map<string, { tp: number; fp: number; fn: number }>();
  const count = (type: string) => counts.get(type) ?? (counts.set(type, { tp: 0, fp: 0, fn: 0 }), counts.get(type)!);
  let rowsSeen = 0;
  for (const file of ['bitext-sample-a.csv', 'bitext-sample-b.csv']) {
    const [header, ...rows] = csvRows(readFileSync(path.join(values.data, 'bitext', file), 'utf8'));
    const col = (name: string) => (header ?? []).indexOf(name);
    for (const row of rows) {
      const text = row[col('instruction')] ?? '';
      if (text === '') continue;
      rowsSeen++;
      const goldType = TYPES[row[col('entity_type')] ?? ''];
      const goldValue = goldType === undefined ? undefined : normalize(goldType, row[col('entity_value')] ?? '');
      const found = extractor.extract(text).filter((e) => Object.values(TYPES).includes(e.type));
      for (const type of new Set(Object.values(TYPES))) {
        const predicted = found.filter((e) => e.type === type).map((e) => normalize(type, e.value));
        const c = count(type);
        if (goldType === type && goldValue !== undefined) {
          if (predicted.includes(goldValue)) {
            c.tp++;
            c.fp += predicted.length - 1;
          } else {
            c.fn++;
            c.fp += predicted.length;
          }
        } else c.fp += predicted.length;
      }
    }
    process.stderr.write(`  ${file}: ${rows.length} rows\n`);
  }
  console.log(`Bitext entity annotations, ${rowsSeen} messages (command: npm run eval:entities)`);
  for (const [type, c] of counts) {
    const precision = c.tp / Math.max(1, c.tp + c.fp);
    const recall = c.tp / Math.max(1, c.tp + c.fn);
    console.log(
      `${type.padEnd(12)} precision ${precision.toFixed(3)} recall ${recall.toFixed(3)} (tp ${c.tp}, fp ${c.fp}, fn ${c.fn})`,
    );
  }
}

main();

// The `label<TAB>text` files of bench/data (hand-written eval sets): a header line `label\ttext`, then one
// message per line; no quoting, so a text may hold anything but a tab or a line break.
import { readFileSync } from 'node:fs';

export interface LabelledText {
  label: string;
  text: string;
}

/** Reads a `label<TAB>text` file; `labels` (when given) lists the labels allowed. Throws with file:line on a bad row. */
export function readLabelledTsv(file: string, labels?: readonly string[]): LabelledText[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  if (header?.trim() !== 'label\ttext') throw new Error(`${file}: expected the columns label, text`);
  return lines.map((line, i) => {
    const [label, text] = line.split('\t');
    if (label === undefined || text === undefined || text.trim() === '') {
      throw new Error(`${file}:${i + 2}: expected "label<TAB>text"`);
    }
    if (labels !== undefined && !labels.includes(label)) throw new Error(`${file}:${i + 2}: unknown label ${label}`);
    return { label, text };
  });
}

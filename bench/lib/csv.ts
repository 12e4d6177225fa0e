// CSV for the evaluation commands: the same RFC 4180 reader the intent trainer uses (quoted fields, "" escapes,
// line breaks inside quotes; fully empty lines skipped), as rows of fields.
import { parseCsvRecords } from '../../src/inference/training/index.js';

export function csvRows(text: string, source = '<csv>'): string[][] {
  return parseCsvRecords(text, source).map((record) => record.fields);
}

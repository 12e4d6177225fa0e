// Labelled-text CSV reader for the intent trainer: RFC 4180 records (quoted fields with commas, doubled quotes and
// line breaks; CRLF, LF or CR line ends), a header naming the `text` and `label` columns (others are ignored), UTF-8
// with or without BOM (UTF-16 only with a BOM). Anything else is refused with a CsvFormatError naming the file and
// line, never silently half-read.
import { readFileSync } from 'node:fs';

/** A file or text that is not a usable `text,label` CSV. The message says where and why. */
export class CsvFormatError extends Error {
  constructor(
    readonly source: string,
    detail: string,
  ) {
    super(`${source}: ${detail}`);
    this.name = 'CsvFormatError';
  }
}

export interface CsvRecord {
  /** 1-based line on which the record starts. */
  line: number;
  fields: string[];
}

export interface LabelledRows {
  texts: string[];
  labels: string[];
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits RFC 4180 text into records. Fully empty lines are skipped; a quote inside an unquoted field is kept
 * literally (as Python's csv module does); text after a closing quote or an unterminated quote is an error.
 */
export function parseCsvRecords(text: string, source = '<csv>'): CsvRecord[] {
  const records: CsvRecord[] = [];
  const n = text.length;
  let line = 1;
  let i = 0;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let endOfRecord = false;
    while (!endOfRecord) {
      let field: string;
      if (i < n && text.charCodeAt(i) === QUOTE) {
        // Quoted field: runs to the next quote that is not doubled.
        let value = '';
        let from = ++i;
        for (;;) {
          if (i >= n) throw new CsvFormatError(source, `line ${start}: unterminated quoted field`);
          const ch = text.charCodeAt(i);
          if (ch === QUOTE) {
            if (i + 1 < n && text.charCodeAt(i + 1) === QUOTE) {
              value += text.slice(from, i + 1);
              i += 2;
              from = i;
              continue;
            }
            value += text.slice(from, i);
            i++;
            break;
          }
          if (ch === LF || (ch === CR && text.charCodeAt(i + 1) !== LF)) line++;
          i++;
        }
        field = value;
        if (i < n) {
          const next = text.charCodeAt(i);
          if (next !== COMMA && next !== LF && next !== CR) {
            throw new CsvFormatError(source, `line ${line}: unexpected character after a closing quote`);
          }
        }
      } else {
        const from = i;
        while (i < n) {
          const ch = text.charCodeAt(i);
          if (ch === COMMA || ch === LF || ch === CR) break;
          i++;
        }
        field = text.slice(from, i);
      }
      fields.push(field);
      if (i >= n) endOfRecord = true;
      else {
        const ch = text.charCodeAt(i++);
        if (ch === COMMA) continue;
        if (ch === CR && i < n && text.charCodeAt(i) === LF) i++;
        line++;
        endOfRecord = true;
      }
    }
    if (!(fields.length === 1 && fields[0] === '')) records.push({ line: start, fields });
  }
  return records;
}

/**
 * Bytes → string: UTF-8 (BOM optional) or UTF-16 with a BOM. Invalid UTF-8 and NUL bytes (binary files, UTF-16
 * without BOM) are refused as an unknown encoding.
 */
export function decodeCsvBytes(bytes: Uint8Array, source = '<csv>'): string {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new CsvFormatError(source, 'unknown encoding: the file is not valid UTF-8 (save it as UTF-8)');
  }
  if (text.includes('\u0000')) {
    throw new CsvFormatError(source, 'unknown encoding: NUL bytes found (binary file, or UTF-16 without a BOM?)');
  }
  return text;
}

/**
 * Names the label column may have when there is no `label` column: Banking77 ships its splits as `text,category`,
 * and many intent sets call it `intent`. `label` wins when several are present.
 */
const LABEL_COLUMN_ALIASES = ['label', 'category', 'intent'] as const;

/**
 * CSV text with a header containing `text` and `label` (case-insensitive; `category` or `intent` are taken for
 * `label` when it is absent) → rows; labels are trimmed.
 */
export function parseLabelledCsv(text: string, source = '<csv>'): LabelledRows {
  if (text.trim() === '') throw new CsvFormatError(source, 'empty file (expected a header "text,label" and rows)');
  const records = parseCsvRecords(text, source);
  const header = (records[0] as CsvRecord).fields.map((f) => f.trim().toLowerCase());
  const textCol = header.indexOf('text');
  const labelCol = LABEL_COLUMN_ALIASES.map((name) => header.indexOf(name)).find((i) => i >= 0) ?? -1;
  const missing = [textCol < 0 ? 'text' : '', labelCol < 0 ? 'label' : ''].filter((c) => c !== '');
  if (missing.length > 0) {
    throw new CsvFormatError(
      source,
      `missing column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(' and ')} ` +
        `(header is ${JSON.stringify((records[0] as CsvRecord).fields.join(','))}; expected "text,label", ` +
        `or "category" / "intent" for "label")`,
    );
  }
  const texts: string[] = [];
  const labels: string[] = [];
  for (let r = 1; r < records.length; r++) {
    const { line, fields } = records[r] as CsvRecord;
    if (fields.length !== header.length) {
      throw new CsvFormatError(source, `line ${line}: ${fields.length} fields, the header has ${header.length}`);
    }
    const label = (fields[labelCol] as string).trim();
    if (label === '') throw new CsvFormatError(source, `line ${line}: empty label`);
    texts.push(fields[textCol] as string);
    labels.push(label);
  }
  if (texts.length === 0) throw new CsvFormatError(source, 'no data rows after the header');
  return { texts, labels };
}

/** Reads a `text,label` CSV file; every failure (missing file included) is a CsvFormatError. */
export function readLabelledCsv(file: string): LabelledRows {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CsvFormatError(file, code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(err)})`);
  }
  return parseLabelledCsv(decodeCsvBytes(bytes, file), file);
}

// Entity extraction (Requirement 2.4): order and invoice ids, email addresses, phone numbers (normalized to E.164),
// money amounts with their currency, dates and times (resolved with chrono-node against the message's time), and
// product names from a configurable catalogue. Each entity carries its span in the text and a normalized value.
import * as chrono from 'chrono-node';
import { normalizeEmail, normalizePhone, type ExtractedEntity } from '../../domain/index.js';

/** Entities are domain data (stored with each message's analysis); the extractor only produces them. */
export type { EntityType } from '../../domain/index.js';
export type Entity = ExtractedEntity;

export interface EntityExtractorOptions {
  /** Product names to recognize (matched whole-word, case-insensitively). */
  products?: string[];
  /** Currency when only "dollars" or a bare "$" is given. @default 'USD' */
  defaultCurrency?: string;
}

const ORDER =
  /\b(?:order|purchase|purchased|orders|tracking|package|shipment)(?:\s+(?:id|number|no\.?|nr\.?|num|#))?\s*[:#]?\s*#?([A-Z0-9][A-Z0-9-]{3,24})\b/gi;
const INVOICE =
  /\b(?:invoice|bill|receipt)s?(?:\s+(?:id|number|no\.?|nr\.?|#))?\s*[:#]?\s*(#?[A-Z0-9][A-Z0-9-]{2,24})\b/gi;
const EMAIL = /[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}/gi;
const PHONE = /(?<![\w#])\+?\d[\d\s().-]{6,18}\d(?!\w)/g;
const SYMBOLS: Record<string, string> = { $: 'USD', '€': 'EUR', '£': 'GBP', '¥': 'JPY', '₹': 'INR' };
const WORDS: Record<string, string> = {
  dollar: 'USD',
  dollars: 'USD',
  usd: 'USD',
  euro: 'EUR',
  euros: 'EUR',
  eur: 'EUR',
  pound: 'GBP',
  pounds: 'GBP',
  gbp: 'GBP',
  yen: 'JPY',
  jpy: 'JPY',
  rupees: 'INR',
  inr: 'INR',
  chf: 'CHF',
  cad: 'CAD',
  aud: 'AUD',
};
const MONEY_BEFORE = /([$€£¥₹])\s?(\d{1,3}(?:[,.\s]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)/g;
const MONEY_AFTER =
  /\b(\d{1,3}(?:[,.\s]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?)\s?(dollars?|usd|euros?|eur|pounds?|gbp|yen|jpy|rupees|inr|chf|cad|aud|€|£|\$)(?!\w)/gi;

/**
 * Words chrono-node's English parsers start from (besides digits): chrono runs only on a text with one of them, as
 * a whole word. Also a filter, not only a saving: with prefixes ("mon", "fri", "sep", "dec") "money", "friend",
 * "separate", "decline" sent a third of all messages through chrono, which read "the money" as a weekday (124 of
 * 48,016 Banking77, CLINC150 and Bitext texts; every date chrono finds in them otherwise is still found). The same
 * test on each of chrono's results drops such readings in texts that do have a date word.
 */
const MAYBE_DATE = new RegExp(
  '\\d|\\b(?:today|tonight|tomorrow|tmr|yesterday|now|noon|midnight|morning|afternoon|evening|night|week|weekend|' +
    'month|year|ago|next|last|this|coming|past|later|within|since|christmas|eve|' +
    'mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:r|rs|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?|' +
    'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t|tember)?|oct(?:ober)?|' +
    'nov(?:ember)?|dec(?:ember)?|an? (?:hour|minute|day|second)|hours?|minutes?|days?|seconds?|fortnight|' +
    'one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|half|quarter)s?\\b',
  'i',
);

/** "1,234.50" / "1.234,50" / "12" → 1234.5 / 1234.5 / 12 (the last separator followed by 1-2 digits is decimal). */
export function parseAmount(raw: string): number {
  const cleaned = raw.replace(/\s/g, '');
  const decimal = /[.,](\d{1,2})$/.exec(cleaned);
  const integer = (decimal ? cleaned.slice(0, decimal.index) : cleaned).replace(/[.,]/g, '');
  return Number(decimal ? `${integer}.${decimal[1]}` : integer);
}

function idValue(raw: string): string {
  return raw
    .replace(/^#/, '')
    .replace(/^0+(?=\d)/, '')
    .toUpperCase();
}

export class EntityExtractor {
  private readonly products: Array<{ name: string; pattern: RegExp }>;

  constructor(
    private readonly options: EntityExtractorOptions = {},
    /**
     * Skip the patterns a text cannot match (no digit: no id, amount or phone; no "@": no email). An optimisation
     * only; false runs every pattern (the test compares both on real and random text).
     */
    private readonly prefilter = true,
  ) {
    this.products = (options.products ?? []).map((name) => ({
      name,
      pattern: new RegExp(`(?<![\\p{L}\\p{N}])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\p{L}\\p{N}])`, 'giu'),
    }));
  }

  extract(text: string, reference: Date = new Date()): Entity[] {
    const found: Entity[] = [];
    const taken: Array<[number, number]> = [];
    const overlaps = (s: number, e: number) => taken.some(([a, b]) => s < b && e > a);
    const add = (entity: Entity) => {
      if (overlaps(entity.start, entity.end)) return;
      taken.push([entity.start, entity.end]);
      found.push(entity);
    };
    const group = (m: RegExpExecArray, n: number) => {
      const value = m[n] as string;
      const start = (m.index ?? 0) + m[0].lastIndexOf(value);
      return { value, start, end: start + value.length };
    };

    const hasDigit = !this.prefilter || /\d/.test(text);
    for (const m of !this.prefilter || text.includes('@') ? text.matchAll(EMAIL) : []) {
      const value = normalizeEmail(m[0]);
      if (value !== undefined)
        add({ type: 'email', text: m[0], start: m.index ?? 0, end: (m.index ?? 0) + m[0].length, value });
    }
    for (const m of hasDigit ? text.matchAll(INVOICE) : []) {
      const g = group(m, 1);
      if (/\d/.test(g.value))
        add({ type: 'invoice_id', text: g.value, start: g.start, end: g.end, value: idValue(g.value) });
    }
    for (const m of hasDigit ? text.matchAll(ORDER) : []) {
      const g = group(m, 1);
      if (/\d/.test(g.value))
        add({ type: 'order_id', text: g.value, start: g.start, end: g.end, value: idValue(g.value) });
    }
    for (const pattern of [MONEY_BEFORE, MONEY_AFTER]) {
      for (const m of hasDigit ? text.matchAll(pattern) : []) {
        const symbolFirst = pattern === MONEY_BEFORE;
        const unit = (symbolFirst ? m[1] : m[2]) as string;
        const amount = parseAmount((symbolFirst ? m[2] : m[1]) as string);
        const currency = SYMBOLS[unit] ?? WORDS[unit.toLowerCase()] ?? this.options.defaultCurrency ?? 'USD';
        const start = m.index ?? 0;
        if (Number.isFinite(amount))
          add({ type: 'money', text: m[0], start, end: start + m[0].length, value: { amount, currency } });
      }
    }
    for (const m of hasDigit ? text.matchAll(PHONE) : []) {
      const digits = m[0].replace(/\D/g, '');
      // A phone needs a country code (leading + or 00) or at least 10 digits; shorter runs are ids or amounts.
      if (!m[0].trim().startsWith('+') && !m[0].startsWith('00') && digits.length < 10) continue;
      const value = normalizePhone(m[0]);
      const start = m.index ?? 0;
      if (value !== undefined)
        add({ type: 'phone', text: m[0].trim(), start, end: start + m[0].trimEnd().length, value });
    }
    // chrono costs ~100 µs a message; most messages have no date, and every date it understands has a digit or
    // one of these words, so the cheap test below skips it without losing any.
    const mayHaveDate = MAYBE_DATE.test(text);
    for (const result of mayHaveDate ? chrono.parse(text, reference, { forwardDate: true }) : []) {
      // A date chrono reads out of a longer word ("the money" as a Monday) has no digit and no whole date word.
      if (!MAYBE_DATE.test(result.text)) continue;
      add({
        type: 'datetime',
        text: result.text,
        start: result.index,
        end: result.index + result.text.length,
        value: result.start.date().toISOString(),
      });
    }
    for (const product of this.products) {
      for (const m of text.matchAll(product.pattern)) {
        const start = m.index ?? 0;
        add({ type: 'product', text: m[0], start, end: start + m[0].length, value: product.name });
      }
    }
    return found.sort((a, b) => a.start - b.start);
  }
}

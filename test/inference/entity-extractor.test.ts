// Entity extraction: concrete customer messages, and Property 5 over generated messages with entities planted at
// random places in random surrounding text.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { EntityExtractor, parseAmount, type Entity } from '../../src/inference/entities/entity-extractor.js';

const extractor = new EntityExtractor({ products: ['iPhone 15 Pro', 'Galaxy S24', 'AirPods'] });
const REF = new Date('2026-11-25T10:00:00Z');

function byType(entities: Entity[], type: Entity['type']) {
  return entities.filter((e) => e.type === type);
}

test('ids, contacts, money, dates and products in real-looking messages, with spans and normalized values', () => {
  const text =
    'Hi, my order #A-10482 has not arrived. Invoice INV-2291 says I paid $1,299.99 for the iPhone 15 Pro. ' +
    'Call me on +44 7700 900123 or write to Jane.Doe@Example.com before next Friday at 5pm.';
  const entities = extractor.extract(text, REF);
  expect(byType(entities, 'order_id').map((e) => e.value)).toEqual(['A-10482']);
  expect(byType(entities, 'invoice_id').map((e) => e.value)).toEqual(['INV-2291']);
  expect(byType(entities, 'money').map((e) => e.value)).toEqual([{ amount: 1299.99, currency: 'USD' }]);
  expect(byType(entities, 'phone').map((e) => e.value)).toEqual(['+447700900123']);
  expect(byType(entities, 'email').map((e) => e.value)).toEqual(['jane.doe@example.com']);
  expect(byType(entities, 'product').map((e) => e.value)).toEqual(['iPhone 15 Pro']);
  const date = byType(entities, 'datetime')[0]!;
  expect(new Date(date.value as string).getTime()).toBeGreaterThan(REF.getTime());
  for (const e of entities) expect(text.slice(e.start, e.end)).toBe(e.text);
});

test('amounts in words and other currencies; bare ids after order words; Bitext-style bills', () => {
  const entities = extractor.extract(
    'i paid 1499 dollars, then 25,50 € and £12 for purchase 00004587345 and bill #00108',
    REF,
  );
  expect(byType(entities, 'money').map((e) => e.value)).toEqual([
    { amount: 1499, currency: 'USD' },
    { amount: 25.5, currency: 'EUR' },
    { amount: 12, currency: 'GBP' },
  ]);
  expect(byType(entities, 'order_id').map((e) => e.value)).toEqual(['4587345']);
  expect(byType(entities, 'invoice_id').map((e) => e.value)).toEqual(['108']);
  expect(parseAmount('1.234,50')).toBe(1234.5);
});

test('Feature: omnichannel-cx-platform, Property 5: Entity Extraction Presence', () => {
  const filler = fc.array(
    fc.constantFrom('hello', 'please', 'help', 'me', 'with', 'this', 'thanks', 'urgent', 'today', 'my', 'the', 'it'),
    {
      maxLength: 6,
    },
  );
  const planted = fc.oneof(
    fc
      .stringMatching(/^[1-9][0-9]{5,11}$/)
      .map((id) => ({ text: `order ${id}`, type: 'order_id' as const, value: id })),
    fc
      .stringMatching(/^[1-9][0-9]{3,7}$/)
      .map((id) => ({ text: `invoice #${id}`, type: 'invoice_id' as const, value: id })),
    fc.tuple(fc.stringMatching(/^[a-z][a-z0-9]{2,10}$/), fc.constantFrom('example.com', 'mail.org')).map(([u, d]) => ({
      text: `${u}@${d}`,
      type: 'email' as const,
      value: `${u}@${d}`,
    })),
    fc
      .stringMatching(/^[1-9][0-9]{9,11}$/)
      .map((digits) => ({ text: `+${digits}`, type: 'phone' as const, value: `+${digits}` })),
    fc
      .tuple(fc.integer({ min: 1, max: 99999 }), fc.constantFrom(['$', 'USD'], ['€', 'EUR'], ['£', 'GBP']))
      .map(([amount, [symbol, code]]) => ({
        text: `${symbol}${amount}`,
        type: 'money' as const,
        value: { amount, currency: code },
      })),
  );
  fc.assert(
    fc.property(filler, planted, filler, (before, entity, after) => {
      const text = [...before, entity.text, ...after].join(' ');
      const found = extractor.extract(text, REF).filter((e) => e.type === entity.type);
      expect(found.map((e) => e.value)).toContainEqual(entity.value);
      for (const e of found) expect(text.slice(e.start, e.end)).toBe(e.text);
    }),
    { numRuns: 200 },
  );
});

describe('the prefilter skips only patterns that cannot match', () => {
  const reference = new Date('2026-03-14T10:00:00Z');
  const products = ['Galaxy S24', 'AirPods Pro'];
  const fast = new EntityExtractor({ products }, true);
  const full = new EntityExtractor({ products }, false);
  const DATA = path.join(__dirname, '..', '..', '..', 'shared', 'datasets');

  test('same entities as running every pattern, on real customer text', () => {
    const texts = [
      'my money was taken on monday, friend said sep 3 is fine',
      'call me at +44 20 7946 0958 or mail jane@example.com about order #A12345 and $19.99',
      'it was decided last week, next friday maybe, decline it now',
    ];
    const banking = path.join(DATA, 'banking77', 'train.csv');
    if (existsSync(banking)) texts.push(...readFileSync(banking, 'utf8').split('\n').slice(1));
    const clinc = path.join(DATA, 'clinc150', 'train_val.json');
    if (existsSync(clinc)) {
      const json = JSON.parse(readFileSync(clinc, 'utf8')) as { train: Array<[string, string]> };
      texts.push(...json.train.map(([t]) => t));
    }
    for (const text of texts)
      expect([text, fast.extract(text, reference)]).toEqual([text, full.extract(text, reference)]);
  });

  test('"the money" is not a date (chrono reads "mon" as Monday; the date words must be whole words)', () => {
    const text = 'I definitely did not receive the money, and a money order on monday failed';
    const dates = fast.extract(text, reference).filter((e) => e.type === 'datetime');
    expect(dates.map((d) => d.text)).toEqual(['on monday']);
  });

  test('same entities on any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 120 }),
          fc.stringMatching(/^[a-z0-9@.$€ :#+-]{0,80}$/),
          fc
            .array(fc.constantFrom('order', '#A1234', 'on', 'monday', 'money', 'at', '5pm', '$20', 'me@x.io', 'sep'), {
              maxLength: 12,
            })
            .map((w) => w.join(' ')),
        ),
        (text) => {
          expect(fast.extract(text, reference)).toEqual(full.extract(text, reference));
        },
      ),
      { numRuns: 300 },
    );
  });
});

// Long-text splitting shared by the chat adapters: where it breaks (paragraph, sentence, word, grapheme) and, as
// properties over generated texts, that nothing is lost or reordered and every chunk fits the limit.
import fc from 'fast-check';
import { measureText, splitText, isBreakableSpace, type LengthUnit } from '../../../src/transport/outbound/index.js';

const RUNS = { numRuns: 300 };

/** Checks that the chunks are the text in order, separated only by whitespace that was broken on. */
function expectReassembles(text: string, chunks: string[]): void {
  let position = 0;
  for (const [index, chunk] of chunks.entries()) {
    if (index > 0) {
      while (!text.startsWith(chunk, position)) {
        expect(isBreakableSpace(text[position])).toBe(true);
        position++;
      }
    }
    expect(text.startsWith(chunk, position)).toBe(true);
    position += chunk.length;
  }
  for (const rest of text.slice(position)) expect(isBreakableSpace(rest)).toBe(true);
}

function graphemeBoundaries(text: string): Set<number> {
  const boundaries = new Set([text.length]);
  for (const { index } of new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text))
    boundaries.add(index);
  return boundaries;
}

describe('splitText', () => {
  test('a text within the limit is returned unchanged', () => {
    expect(splitText('  Hello there.  ', 16)).toEqual(['  Hello there.  ']);
    expect(splitText('', 10)).toEqual(['']);
  });

  test('prefers a paragraph break, then a sentence end, then a word boundary', () => {
    const paragraphs =
      'First paragraph, long enough to count.\n\nSecond paragraph that is a bit longer than the first.';
    expect(splitText(paragraphs, 60)).toEqual([
      'First paragraph, long enough to count.',
      'Second paragraph that is a bit longer than the first.',
    ]);
    const sentences = 'The first sentence is here. Another one follows and goes on';
    expect(splitText(sentences, 40)).toEqual(['The first sentence is here.', 'Another one follows and goes on']);
    expect(splitText('alpha beta gamma delta', 12)).toEqual(['alpha beta', 'gamma delta']);
  });

  test('a paragraph break in the first half does not waste the message: a later sentence end wins', () => {
    const text = `Hi.\n\n${'Word '.repeat(10)}End. ${'more '.repeat(10)}`;
    const [first] = splitText(text, 70);
    expect(first).toBe(`Hi.\n\n${'Word '.repeat(10)}End.`);
  });

  test('a word longer than the limit is cut between grapheme clusters', () => {
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'; // 8 UTF-16 units, one cluster
    const chunks = splitText(`${'a'.repeat(5)}${family}${'b'.repeat(5)}`, 10);
    expect(chunks).toEqual(['aaaaa', `${family}bb`, 'bbb']);
    expect(splitText('😀😀😀😀😀', 3)).toEqual(['😀', '😀', '😀', '😀', '😀']);
    expect(splitText('e\u0301e\u0301e\u0301', 3)).toEqual(['e\u0301', 'e\u0301', 'e\u0301']);
  });

  test('no-break spaces hold words together; CJK sentences break after 。', () => {
    expect(splitText('price:\u00a0100\u00a0EUR now', 15)).toEqual(['price:\u00a0100\u00a0EUR', 'now']);
    expect(splitText('今日は晴れです。明日は雨です。', 10)).toEqual(['今日は晴れです。', '明日は雨です。']);
  });

  test('UTF-8 limits count bytes (Instagram)', () => {
    expect(measureText('héllo €', 'utf8')).toBe(10);
    expect(splitText('ééééé ééééé', 10, 'utf8')).toEqual(['ééééé', 'ééééé']);
    expect(() => splitText('abc', 3, 'utf8')).toThrow(RangeError);
    expect(() => splitText('abc', 1)).toThrow(RangeError);
  });

  describe('properties', () => {
    const token = fc.oneof(
      { weight: 6, arbitrary: fc.stringMatching(/^[a-zA-Z]{1,12}$/) },
      { weight: 3, arbitrary: fc.constantFrom(' ', ' ', '  ', '\n', '\n\n', '\t', '\r\n', '\u00a0') },
      { weight: 2, arbitrary: fc.constantFrom('.', '!', '?', ',', '…', '。', '"') },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          '😀',
          '🇫🇷',
          '👍🏽',
          '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}',
          'e\u0301',
          '€',
          'ß',
          '中文',
          '𝒜',
        ),
      },
      { weight: 1, arbitrary: fc.stringMatching(/^[a-z]{20,80}$/) },
    );
    const text = fc.array(token, { maxLength: 120 }).map((tokens) => tokens.join(''));
    const unit = fc.constantFrom<LengthUnit>('utf16', 'utf8');

    test('chunks fit the limit and reassemble into the original, modulo the whitespace split on', () => {
      fc.assert(
        fc.property(
          fc.oneof(
            text,
            fc.string({ unit: 'binary', maxLength: 400 }),
            fc.string({ unit: 'grapheme', maxLength: 200 }),
          ),
          unit,
          fc.integer({ min: 4, max: 120 }),
          (original, lengthUnit, limit) => {
            const chunks = splitText(original, limit, lengthUnit);
            for (const chunk of chunks) expect(measureText(chunk, lengthUnit)).toBeLessThanOrEqual(limit);
            if (original.length > 0) for (const chunk of chunks) expect(chunk.length).toBeGreaterThan(0);
            if (measureText(original, lengthUnit) <= limit) expect(chunks).toEqual([original]);
            expectReassembles(original, chunks);
          },
        ),
        RUNS,
      );
    });

    test('no chunk splits a surrogate pair, and with room for any cluster no grapheme is split', () => {
      fc.assert(
        fc.property(text, unit, fc.integer({ min: 2, max: 120 }), (original, lengthUnit, rawLimit) => {
          const limit = lengthUnit === 'utf8' ? Math.max(4, rawLimit) : rawLimit;
          const chunks = splitText(original, limit, lengthUnit);
          for (const chunk of chunks) {
            expect(chunk).not.toMatch(/^[\udc00-\udfff]/);
            expect(chunk).not.toMatch(/[\ud800-\udbff]$/);
          }
          if (limit < 32) return;
          // The largest generated cluster is the family emoji: 8 UTF-16 units, 18 UTF-8 bytes.
          const boundaries = graphemeBoundaries(original);
          let position = 0;
          for (const chunk of chunks) {
            position = original.indexOf(chunk, position);
            expect(boundaries.has(position)).toBe(true);
            expect(boundaries.has(position + chunk.length)).toBe(true);
            position += chunk.length;
          }
        }),
        RUNS,
      );
    });
  });
});

// SMS segment counting per GSM 03.38: known examples at the 160/153 and 70/67 boundaries, escapes and surrogate pairs
// at a segment edge, and properties over generated texts (capacity, no split escapes or pairs, GSM-7 detection).
import fc from 'fast-check';
import { gsm7Septets, isGsm7, segmentSms, SMS_CAPACITY } from '../../../src/transport/outbound/index.js';

const RUNS = { numRuns: 300 };

const BASIC_TABLE =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const EXTENSION_TABLE = '\f^{}\\[~]|€';

function septets(text: string): number {
  let total = 0;
  for (const char of text) total += gsm7Septets(char) ?? 0;
  return total;
}

describe('GSM 03.38 alphabet', () => {
  test('the basic table is 128 positions less ESC, Greek capitals included; the extension table costs 2 septets', () => {
    expect([...BASIC_TABLE]).toHaveLength(127);
    for (const char of BASIC_TABLE) expect(gsm7Septets(char)).toBe(1);
    for (const char of EXTENSION_TABLE) expect(gsm7Septets(char)).toBe(2);
    expect([...'ΔΦΓΛΩΠΨΣΘΞ'].map((c) => c.codePointAt(0))).toEqual([
      0x394, 0x3a6, 0x393, 0x39b, 0x3a9, 0x3a0, 0x3a8, 0x3a3, 0x398, 0x39e,
    ]);
  });

  test('characters outside GSM-7 force UCS-2', () => {
    // ç (only capital Ç is in the table), backtick, no-break space, bare ESC, the Ohm sign (not Greek Omega).
    for (const char of ['ç', 'á', 'ê', '`', '\u00a0', '😀', 'ş', '\u001b', '\u2126']) {
      expect(isGsm7(`abc${char}`)).toBe(false);
    }
    expect(isGsm7('Hello, world! 100€ [ok] {yes} ~^|\\')).toBe(true);
  });
});

describe('segmentSms', () => {
  test('160 GSM-7 characters are 1 segment, 161 are 2 (153 + 8)', () => {
    expect(segmentSms('a'.repeat(160))).toMatchObject({ encoding: 'GSM-7', characters: 160, units: 160 });
    expect(segmentSms('a'.repeat(160)).segments).toHaveLength(1);
    const two = segmentSms('a'.repeat(161));
    expect(two.segments.map((s) => s.length)).toEqual([153, 8]);
    expect(segmentSms('a'.repeat(306)).segments).toHaveLength(2);
    expect(segmentSms('a'.repeat(307)).segments).toHaveLength(3);
    expect(segmentSms('').segments).toEqual(['']);
  });

  test('extension characters count two septets', () => {
    expect(segmentSms(`${'a'.repeat(158)}€`)).toMatchObject({ units: 160, characters: 159 });
    expect(segmentSms(`${'a'.repeat(158)}€`).segments).toHaveLength(1);
    expect(segmentSms(`${'a'.repeat(159)}€`).segments).toHaveLength(2);
    expect(segmentSms('{}'.repeat(40)).units).toBe(160);
  });

  test('an extension character at a segment boundary moves whole into the next segment', () => {
    const result = segmentSms(`${'a'.repeat(152)}€${'b'.repeat(10)}`);
    expect(result.segments).toEqual(['a'.repeat(152), `€${'b'.repeat(10)}`]);
    expect(result.segments.map(septets)).toEqual([152, 12]);
  });

  test('a 70-unit UCS-2 text with an emoji is 1 segment; 71 units are 2 (67 + 4)', () => {
    const seventy = `😀${'a'.repeat(68)}`;
    expect(segmentSms(seventy)).toMatchObject({ encoding: 'UCS-2', units: 70, characters: 69 });
    expect(segmentSms(seventy).segments).toHaveLength(1);
    expect(segmentSms(`😀${'a'.repeat(69)}`).segments.map((s) => s.length)).toEqual([67, 4]);
    expect(segmentSms('😀'.repeat(35)).segments).toHaveLength(1);
    expect(segmentSms('😀'.repeat(36)).segments).toHaveLength(2);
  });

  test('a surrogate pair at a UCS-2 segment boundary is not split', () => {
    const result = segmentSms(`${'я'.repeat(66)}😀${'я'.repeat(10)}`);
    expect(result.segments).toEqual(['я'.repeat(66), `😀${'я'.repeat(10)}`]);
  });

  test('one non-GSM character switches the whole message to UCS-2', () => {
    const result = segmentSms(`${'a'.repeat(100)}ç`);
    expect(result).toMatchObject({ encoding: 'UCS-2', units: 101 });
    expect(result.segments.map((s) => s.length)).toEqual([67, 34]);
  });

  describe('properties', () => {
    const gsmChar = fc.constantFrom(...BASIC_TABLE, ...EXTENSION_TABLE);
    const anyChar = fc.oneof(
      { weight: 5, arbitrary: gsmChar },
      { weight: 1, arbitrary: fc.constantFrom('😀', 'ç', 'я', '中', '👍🏽', '\u00a0', '𝒜') },
    );
    const gsmText = fc.array(gsmChar, { maxLength: 700 }).map((chars) => chars.join(''));
    const mixedText = fc.array(anyChar, { maxLength: 400 }).map((chars) => chars.join(''));

    test('segments hold the whole text: segments × capacity ≥ length, each within capacity, joined = text', () => {
      fc.assert(
        fc.property(fc.oneof(gsmText, mixedText), (text) => {
          const result = segmentSms(text);
          const capacity = SMS_CAPACITY[result.encoding];
          const perSegment = result.segments.length === 1 ? capacity.single : capacity.concatenated;
          expect(result.segments.join('')).toBe(text);
          expect(result.segments.length * perSegment).toBeGreaterThanOrEqual(result.units);
          const size = (s: string) => (result.encoding === 'GSM-7' ? septets(s) : s.length);
          for (const segment of result.segments) expect(size(segment)).toBeLessThanOrEqual(perSegment);
          // Minimal: greedy packing never leaves a whole segment's worth of room unused.
          if (result.segments.length > 1) {
            for (const segment of result.segments.slice(0, -1))
              expect(size(segment)).toBeGreaterThanOrEqual(perSegment - 1);
          }
          expect(result.characters).toBe([...text].length);
        }),
        RUNS,
      );
    });

    test('no segment splits a surrogate pair or an escape sequence', () => {
      fc.assert(
        fc.property(fc.oneof(gsmText, mixedText), (text) => {
          const { segments, encoding } = segmentSms(text);
          for (const segment of segments) {
            expect(segment).not.toMatch(/^[\udc00-\udfff]/);
            expect(segment).not.toMatch(/[\ud800-\udbff]$/);
            // An escape is one character of ours, so a split escape would show as a segment over capacity.
            if (encoding === 'GSM-7' && segments.length > 1) expect(septets(segment)).toBeLessThanOrEqual(153);
          }
        }),
        RUNS,
      );
    });

    test('GSM-7 is detected exactly when every character is in the basic or extension table', () => {
      fc.assert(
        fc.property(fc.oneof(gsmText, mixedText, fc.string({ unit: 'binary', maxLength: 50 })), (text) => {
          const expected = [...text].every((c) => BASIC_TABLE.includes(c) || EXTENSION_TABLE.includes(c));
          expect(isGsm7(text)).toBe(expected);
          expect(segmentSms(text).encoding).toBe(expected ? 'GSM-7' : 'UCS-2');
        }),
        RUNS,
      );
    });
  });
});

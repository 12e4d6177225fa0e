// SMS segment counting per GSM 03.38 / 3GPP TS 23.038: what a text costs on the wire, and where the network will cut
// it. A text made only of GSM-7 characters goes as 7-bit septets (160 single, 153 per part when concatenated, the
// extension-table characters taking two septets that are never split); anything else goes as UCS-2 (70 single, 67 per
// part, counted in UTF-16 code units, a surrogate pair never split). The 7 and 3 units lost per part are the UDH.

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export const SMS_CAPACITY: Readonly<Record<SmsEncoding, { single: number; concatenated: number }>> = {
  'GSM-7': { single: 160, concatenated: 153 },
  'UCS-2': { single: 70, concatenated: 67 },
};

/** The GSM 03.38 default alphabet (basic table), in table order; 0x1B (ESC) is the escape to the extension table. */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
/** Characters reached through ESC: each costs two septets and its pair must stay in one segment. */
const GSM7_EXTENSION = '\f^{}\\[~]|€';

const BASIC = new Set([...GSM7_BASIC].filter((char) => char !== '\u001b'));
const EXTENSION = new Set([...GSM7_EXTENSION]);

/** Septets a character takes in GSM-7, or undefined if GSM-7 cannot carry it. */
export function gsm7Septets(char: string): 1 | 2 | undefined {
  if (BASIC.has(char)) return 1;
  if (EXTENSION.has(char)) return 2;
  return undefined;
}

export function isGsm7(text: string): boolean {
  for (const char of text) if (gsm7Septets(char) === undefined) return false;
  return true;
}

export interface SmsSegmentation {
  encoding: SmsEncoding;
  /** The parts as the network will carry them; joined they give the text back. */
  segments: string[];
  /** Unicode code points in the text (what a person would call characters). */
  characters: number;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2): what the capacities are counted in. */
  units: number;
}

/** Cost of one code point in the encoding's unit. */
function unitCost(char: string, encoding: SmsEncoding): number {
  return encoding === 'GSM-7' ? (gsm7Septets(char) ?? 1) : char.length;
}

/** Splits an SMS into the segments the network will carry, never cutting an escape sequence or a surrogate pair. */
export function segmentSms(text: string): SmsSegmentation {
  const encoding: SmsEncoding = isGsm7(text) ? 'GSM-7' : 'UCS-2';
  const capacity = SMS_CAPACITY[encoding];
  const chars = [...text];
  let units = 0;
  for (const char of chars) units += unitCost(char, encoding);
  if (units <= capacity.single) return { encoding, segments: [text], characters: chars.length, units };

  const segments: string[] = [];
  let current = '';
  let used = 0;
  for (const char of chars) {
    const cost = unitCost(char, encoding);
    if (used + cost > capacity.concatenated) {
      segments.push(current);
      current = '';
      used = 0;
    }
    current += char;
    used += cost;
  }
  segments.push(current);
  return { encoding, segments, characters: chars.length, units };
}

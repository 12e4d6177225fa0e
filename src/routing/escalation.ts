// Explicit requests for a human (Requirement 10.1): the escalation intent `contact_human_agent`, or one of the
// policy's keywords in the text. Matching is case- and accent-insensitive and on word edges ("human" matches
// "a HUMAN please" but not "humanity"); multi-word keywords match with any whitespace between the words.
import { ESCALATION_INTENT } from '../domain/intent.js';

function fold(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase();
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class EscalationDetector {
  private readonly pattern: RegExp | undefined;

  constructor(keywords: readonly string[]) {
    const parts = keywords
      .map((k) => fold(k).trim())
      .filter((k) => k.length > 0)
      .map((k) => k.split(/\s+/).map(escapeRegExp).join('\\s+'));
    this.pattern =
      parts.length === 0 ? undefined : new RegExp(`(?<![\\p{L}\\p{N}])(?:${parts.join('|')})(?![\\p{L}\\p{N}])`, 'u');
  }

  /** Why this is an explicit request for a human, or undefined if it is not. */
  explicitRequest(text: string, intent: string): string | undefined {
    if (intent === ESCALATION_INTENT) return `intent ${ESCALATION_INTENT}: the customer asked for a human`;
    if (this.pattern === undefined || text.length === 0) return undefined;
    const match = this.pattern.exec(fold(text));
    return match === null ? undefined : `the customer asked for a human ("${match[0]}")`;
  }
}

// The two refusals every adapter shares, decided before anything is sent: content the channel cannot carry (a
// WhatsApp template on SMS, media on a voice call) and a text with nothing in it. Neither gets better on retry.
import { DeliveryError, type OutboundContent } from './outbound-adapter.js';

export function unsupportedContent(channel: string, content: OutboundContent): DeliveryError {
  const what = content.type === 'media' ? `${content.mediaKind} media` : `${content.type} content`;
  return new DeliveryError(`${channel}: cannot send ${what} on this channel`, false, 'UNSUPPORTED_CONTENT');
}

/** The text itself, or a non-retryable EMPTY_MESSAGE error: providers reject blank bodies with a 400 anyway. */
export function requireText(channel: string, text: string): string {
  if (text.trim() === '') throw new DeliveryError(`${channel}: the message text is empty`, false, 'EMPTY_MESSAGE');
  return text;
}

// WhatsApp's 24-hour customer-service window: free-form messages (text, media) may only be sent within 24 hours of the
// customer's last message; outside it only an approved template may open the conversation again. Checked before any
// request so a message that the provider would refuse (and bill nothing for) never leaves the node.
import { DeliveryError, type OutboundMessage } from './outbound-adapter.js';
import type { Clock } from './provider-http.js';

export const SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Whether the window is open at `now`. A timestamp slightly in the future (clock skew) counts as open. */
export function isServiceWindowOpen(lastCustomerMessageAt: number | undefined, now: number): boolean {
  return lastCustomerMessageAt !== undefined && now - lastCustomerMessageAt < SERVICE_WINDOW_MS;
}

/** Throws a non-retryable WINDOW_CLOSED DeliveryError for anything but a template sent outside the window. */
export function assertServiceWindow(message: OutboundMessage, now: Clock): void {
  if (message.content.type === 'template') return;
  const last = message.context.lastCustomerMessageAt;
  if (isServiceWindowOpen(last, now())) return;
  const since =
    last === undefined ? 'the customer has not written' : `last customer message at ${new Date(last).toISOString()}`;
  throw new DeliveryError(
    `outside the 24-hour customer-service window (${since}): only a template message can be sent`,
    false,
    'WINDOW_CLOSED',
  );
}

// Sending one outbound message as several provider messages (a long text split, a caption after its media), in
// order, stopping at the first failure. The contract has no way to resume half-way, so a retry resends every part; the
// error at least names the parts that already went out.
import { DeliveryError } from './outbound-adapter.js';

/**
 * Sends parts in order and stops at the first failure. When earlier parts already went out, the error says so: the
 * outbox will retry the whole message, and whoever reads the log should know the customer may see those parts twice.
 */
export async function sendParts<T>(
  parts: readonly T[],
  send: (part: T, index: number) => Promise<string>,
): Promise<string[]> {
  const ids: string[] = [];
  for (const [index, part] of parts.entries()) {
    try {
      ids.push(await send(part, index));
    } catch (error) {
      if (!(error instanceof DeliveryError) || ids.length === 0) throw error;
      throw new DeliveryError(
        `${error.message} [part ${index + 1} of ${parts.length}; already sent: ${ids.join(', ')}]`,
        error.retryable,
        error.providerCode,
        error.retryAfterMs,
      );
    }
  }
  return ids;
}

// Sending one outbound message as several provider messages (a long text split, a caption after its media), in
// order, stopping at the first failure. The failure carries the ids of the parts that went out, the outbox records
// them, and the retry resumes after them: the customer never receives a part twice.
import { DeliveryError } from './outbound-adapter.js';

/** Sends parts in order, skipping those an earlier attempt sent (`alreadySent`), and stops at the first failure. */
export async function sendParts<T>(
  parts: readonly T[],
  send: (part: T, index: number) => Promise<string>,
  alreadySent: readonly string[] = [],
): Promise<string[]> {
  const ids: string[] = alreadySent.slice(0, parts.length);
  for (const [index, part] of parts.entries()) {
    if (index < ids.length) continue;
    try {
      ids.push(await send(part, index));
    } catch (error) {
      if (!(error instanceof DeliveryError) || ids.length === 0) throw error;
      throw new DeliveryError(
        `${error.message} [part ${index + 1} of ${parts.length}; already sent: ${ids.join(', ')}]`,
        error.retryable,
        error.providerCode,
        error.retryAfterMs,
        [...ids],
      );
    }
  }
  return ids;
}

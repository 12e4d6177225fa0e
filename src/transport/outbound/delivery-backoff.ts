// Retry timing for outbound deliveries: exponential backoff with "equal jitter". The delay before retry n (n ≥ 1) is
// drawn from [d/2, d] where d = min(maxDelay, base · 2^(n-1)): it roughly doubles each time (so a struggling
// provider is not hammered), never exceeds the cap, and the random half spreads retries of many messages apart.
// A provider's Retry-After wins when it asks for longer.
export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  maxAttempts: number;
}

/** The exponential ceiling for retry number `retry` (1-based). */
export function backoffCeiling(policy: BackoffPolicy, retry: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(retry - 1, 52));
}

export function retryDelay(
  policy: BackoffPolicy,
  retry: number,
  random: () => number = Math.random,
  retryAfterMs?: number,
): number {
  const ceiling = backoffCeiling(policy, retry);
  const delay = Math.ceil(ceiling / 2 + random() * (ceiling / 2));
  return retryAfterMs !== undefined && retryAfterMs > delay ? Math.min(retryAfterMs, policy.maxDelayMs) : delay;
}

// Wait-time model (Requirement 10.4, 9.4). Per queue (skill × language):
//   λ  arrival rate: 1 / EWMA of inter-arrival times of new conversations;
//   H  mean handle time: EWMA of observed handle times (default 5 min), so μ = 1/H per server;
//   N  servers: concurrent slots of the online agents who have the skill and the language
//      (Σ capacity / channel weight; a voice call takes a whole agent).
// A conversation's own estimate is position-based and monotone in its position: position × H / N (the time for
// `position` slots to free up when the N servers finish at rate N/H). The queue-level estimate for a new arrival is
// the larger of that for position depth + 1 and the Erlang C mean wait C(N, A) / (N·μ − λ) with A = λ/μ (used only
// when the queue is stable, A < N). No online server: N is taken as 1 (relaxation will widen the pool).

/** Erlang C: the probability that an arrival waits, with `servers` servers and offered load `load` = λ/μ (< servers). */
export function erlangC(servers: number, load: number): number {
  if (servers <= 0) return 1;
  if (load <= 0) return 0;
  if (load >= servers) return 1;
  // Erlang B by its stable recursion, then C from B.
  let b = 1;
  for (let k = 1; k <= servers; k++) b = (load * b) / (k + load * b);
  return (servers * b) / (servers - load * (1 - b));
}

/** Mean wait of a random arrival under M/M/N, or undefined if the queue is unstable or the inputs unknown. */
export function erlangCWaitMs(servers: number, arrivalsPerMs: number, handleTimeMs: number): number | undefined {
  if (!(servers >= 1) || !(arrivalsPerMs > 0) || !(handleTimeMs > 0)) return undefined;
  const mu = 1 / handleTimeMs;
  const load = arrivalsPerMs / mu;
  const n = Math.floor(servers);
  if (load >= n) return undefined;
  return erlangC(n, load) / (n * mu - arrivalsPerMs);
}

/** The position-based estimate: monotone non-decreasing in position. */
export function positionWaitMs(position: number, handleTimeMs: number, servers: number): number {
  return Math.round((Math.max(0, position) * handleTimeMs) / Math.max(1, servers));
}

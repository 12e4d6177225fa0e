// A conversation's sentiment over time (Requirements 3.4-3.5): the recent scores, their trend, and whether the
// customer's mood just deteriorated — the latest score more than 0.3 below the average of the few before it.
export interface SentimentPoint {
  seq: number;
  score: number;
  at: number;
}

export interface SentimentTrend {
  /** The latest points, oldest first (at most HISTORY_LIMIT). */
  history: SentimentPoint[];
  /** Latest score minus the average of the earlier points in the history; 0 with fewer than two points. */
  trend: number;
  /** The latest score fell by more than DETERIORATION_DROP below the average of the previous ones. */
  deteriorating: boolean;
}

export const HISTORY_LIMIT = 50;
export const DETERIORATION_DROP = 0.3;
/** How many previous scores the deterioration check compares with. */
export const DETERIORATION_WINDOW = 3;

const average = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;

/** Adds a score (kept in seq order; a repeated seq replaces its point) and recomputes trend and deterioration. */
export function addSentiment(previous: SentimentTrend | undefined, point: SentimentPoint): SentimentTrend {
  const points = (previous?.history ?? []).filter((p) => p.seq !== point.seq);
  points.push(point);
  points.sort((a, b) => a.seq - b.seq);
  const history = points.slice(-HISTORY_LIMIT);
  const latest = history[history.length - 1] as SentimentPoint;
  const earlier = history.slice(0, -1);
  const trend = earlier.length === 0 ? 0 : latest.score - average(earlier.map((p) => p.score));
  const window = earlier.slice(-DETERIORATION_WINDOW);
  const deteriorating = window.length > 0 && average(window.map((p) => p.score)) - latest.score > DETERIORATION_DROP;
  return { history, trend, deteriorating };
}

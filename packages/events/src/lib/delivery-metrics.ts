// Each stream's delivery figures, kept by the deliverer from its start and forgotten once the
// stream is deleted. Latency percentiles come from a sliding window of the latest deliveries, so a
// long-lived process neither grows without bound nor reports an outage of last week.
import type { StreamDeliveryMetrics } from './deliverer.js';

/** How many recent latencies each stream keeps for its percentiles. */
const LATENCY_WINDOW = 100;

/** One stream's running figures, updated as its attempts are recorded. */
export interface StreamCounters {
  delivered: number;
  retried: number;
  dead: number;
  lastSuccessAt?: string;
  lastFailureAt?: string;
  readonly latencies: number[];
}

/** The figures of every stream delivered: `of` makes a stream's on first use. */
export interface DeliveryCounters {
  of(streamId: string): StreamCounters;
  /** Forgets the figures of every stream not in `existing`. */
  keepOnly(existing: ReadonlySet<string>): void;
  snapshot(): StreamDeliveryMetrics[];
}

/** Records a delivery's latency, dropping the oldest beyond the window. */
export function recordLatency(stats: StreamCounters, latencyMs: number): void {
  stats.latencies.push(latencyMs);
  if (stats.latencies.length > LATENCY_WINDOW) stats.latencies.shift();
}

/** Makes an empty set of per-stream figures. */
export function createDeliveryCounters(): DeliveryCounters {
  const counters = new Map<string, StreamCounters>();
  return {
    of(streamId) {
      let found = counters.get(streamId);
      if (found === undefined) {
        found = { delivered: 0, retried: 0, dead: 0, latencies: [] };
        counters.set(streamId, found);
      }
      return found;
    },
    keepOnly(existing) {
      for (const id of counters.keys()) if (!existing.has(id)) counters.delete(id);
    },
    snapshot() {
      return [...counters].map(([streamId, stats]) => {
        const sorted = [...stats.latencies].sort((a, b) => a - b);
        const p50 = percentile(sorted, 0.5);
        const p95 = percentile(sorted, 0.95);
        return {
          streamId,
          delivered: stats.delivered,
          retried: stats.retried,
          dead: stats.dead,
          ...(stats.lastSuccessAt !== undefined && { lastSuccessAt: stats.lastSuccessAt }),
          ...(stats.lastFailureAt !== undefined && { lastFailureAt: stats.lastFailureAt }),
          ...(p50 !== undefined && { latencyP50Ms: p50 }),
          ...(p95 !== undefined && { latencyP95Ms: p95 }),
        };
      });
    },
  };
}

/** Nearest-rank percentile of ascending values, rounded to 0.1 ms. */
function percentile(sorted: readonly number[], rank: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(rank * sorted.length) - 1));
  return Math.round((sorted[index] ?? 0) * 10) / 10;
}

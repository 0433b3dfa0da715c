// The bounded request history (a ring buffer: the oldest record goes when a new one comes) and the
// per-tenant counts of the last hour behind the chart. Recording is a few assignments: it runs on
// every SCIM request while the console is on.
import type { RequestLogRecord } from '@scim/server';

/** One request as the history keeps it. */
export interface HistoryEntry {
  readonly seq: number;
  readonly at: number;
  readonly dialect: string | undefined;
  readonly record: RequestLogRecord;
}

const MINUTE = 60_000;
const HOUR_MINUTES = 60;

/** Requests of one minute of one tenant, by status class. */
export interface MinuteCounts {
  minute: number;
  ok: number;
  clientError: number;
  serverError: number;
}

export class RequestHistory {
  readonly #entries: (HistoryEntry | undefined)[];
  #next = 0;
  #seq = 0;
  readonly #minutes = new Map<string, MinuteCounts[]>();

  constructor(readonly size: number) {
    this.#entries = new Array<HistoryEntry | undefined>(size);
  }

  add(record: RequestLogRecord, at: number, dialect: string | undefined): void {
    this.#entries[this.#next] = { seq: ++this.#seq, at, dialect, record };
    this.#next = this.#next + 1 === this.size ? 0 : this.#next + 1;
    this.#count(record, at);
  }

  /** Newest first; with `after`, only those recorded after that sequence number. */
  list(after = 0, limit = this.size): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    for (let i = 1; i <= this.size && out.length < limit; i++) {
      const entry = this.#entries[(this.#next - i + this.size) % this.size];
      if (entry === undefined || entry.seq <= after) break;
      out.push(entry);
    }
    return out;
  }

  /**
   * The newest request with this id. A scan rather than an index kept up to date: requests are
   * recorded far more often than the page opens one.
   */
  get(requestId: string): HistoryEntry | undefined {
    for (let i = 1; i <= this.size; i++) {
      const entry = this.#entries[(this.#next - i + this.size) % this.size];
      if (entry === undefined) return undefined;
      if (entry.record.requestId === requestId) return entry;
    }
    return undefined;
  }

  get length(): number {
    return Math.min(this.#seq, this.size);
  }

  #count(record: RequestLogRecord, at: number): void {
    const key = record.tenant ?? '';
    const minute = Math.floor(at / MINUTE);
    let series = this.#minutes.get(key);
    if (series === undefined) this.#minutes.set(key, (series = []));
    let last = series[series.length - 1];
    if (last?.minute !== minute) {
      last = { minute, ok: 0, clientError: 0, serverError: 0 };
      series.push(last);
      while (series.length > 0 && (series[0]?.minute ?? minute) <= minute - HOUR_MINUTES)
        series.shift();
    }
    if (record.status >= 500) last.serverError++;
    else if (record.status >= 400) last.clientError++;
    else last.ok++;
  }

  /** Per tenant (`''` for none), the counts of each of the last 60 minutes, oldest first. */
  rates(now: number): Record<string, MinuteCounts[]> {
    const current = Math.floor(now / MINUTE);
    const out: Record<string, MinuteCounts[]> = {};
    for (const [tenant, series] of this.#minutes) {
      const byMinute = new Map(series.map((counts) => [counts.minute, counts]));
      out[tenant] = Array.from({ length: HOUR_MINUTES }, (_, index) => {
        const minute = current - HOUR_MINUTES + 1 + index;
        return { ...(byMinute.get(minute) ?? { ok: 0, clientError: 0, serverError: 0 }), minute };
      });
    }
    return out;
  }
}

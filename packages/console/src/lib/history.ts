// The bounded request history (a ring buffer: the oldest record goes when a new one comes) and the
// per-tenant counts of the last hour behind the chart. Recording is a few assignments: it runs on
// every SCIM request while the console is on.
//
// Bodies are bounded twice. One larger than `maxBodyBytes` is kept as a marker only; and past
// `historyBodyBytes` for the whole history, the oldest requests lose their bodies first. Both count
// bytes of JSON text: the sizes the server's record gives, else a request's `Content-Length`, else a
// walk of the parsed body that stops as soon as it passes the bound (never a JSON.stringify).
import type { RequestLogRecord } from '@scim/server';

/** One request as the history keeps it. */
export interface HistoryEntry {
  readonly seq: number;
  readonly at: number;
  readonly dialect: string | undefined;
  /** The log record, or a copy of it with its bodies replaced by a marker. */
  readonly record: RequestLogRecord;
  /** The bytes its bodies count for in the history's budget. */
  readonly bytes: number;
}

/** What the history keeps of its records' bodies. */
export interface BodyBounds {
  readonly maxBodyBytes: number;
  readonly historyBodyBytes: number;
}

const TRUNCATED = '[truncated]';

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
  // One slot per request kept, in columns rather than an object per request: recording allocates
  // nothing of its own, and replacing the oldest request reads its size from a small array that
  // stays in cache rather than from an object long since moved out of it.
  readonly #records: (RequestLogRecord | undefined)[];
  readonly #dialects: (string | undefined)[];
  /** The sequence number in each slot; 0 for a slot not yet used. */
  readonly #seqs: Float64Array;
  readonly #ats: Float64Array;
  readonly #sizes: Float64Array;
  #next = 0;
  #seq = 0;
  readonly #minutes = new Map<string, MinuteCounts[]>();
  #bytes = 0;
  // The oldest sequence number whose bodies may still count: the budget drops bodies from here on.
  #trimmed = 1;

  constructor(
    readonly size: number,
    private readonly bounds: BodyBounds = {
      maxBodyBytes: Number.POSITIVE_INFINITY,
      historyBodyBytes: Number.POSITIVE_INFINITY,
    },
  ) {
    this.#records = new Array<RequestLogRecord | undefined>(size);
    this.#dialects = new Array<string | undefined>(size);
    this.#seqs = new Float64Array(size);
    this.#ats = new Float64Array(size);
    this.#sizes = new Float64Array(size);
  }

  add(record: RequestLogRecord, at: number, dialect: string | undefined): void {
    const slot = this.#next;
    let kept = record;
    let bytes = 0;
    if (record.requestBody !== undefined || record.responseBody !== undefined)
      ({ record: kept, bytes } = this.#bound(record));
    this.#bytes += bytes - (this.#sizes[slot] as number);
    this.#records[slot] = kept;
    this.#dialects[slot] = dialect;
    this.#seqs[slot] = ++this.#seq;
    this.#ats[slot] = at;
    this.#sizes[slot] = bytes;
    this.#next = slot + 1 === this.size ? 0 : slot + 1;
    if (this.#bytes > this.bounds.historyBodyBytes) this.#trim();
    this.#count(record, at);
  }

  /**
   * Sizes a record's bodies: the record as it is, or, with a body over `maxBodyBytes`, a copy in
   * which that body is a marker; and the bytes its kept bodies count for.
   */
  #bound(record: RequestLogRecord): { record: RequestLogRecord; bytes: number } {
    const max = this.bounds.maxBodyBytes;
    const request = requestSize(record, max);
    const response =
      record.responseBodyBytes ??
      (record.responseBody === undefined ? 0 : jsonSize(record.responseBody, max));
    if (request.bytes <= max && response <= max) return { record, bytes: request.bytes + response };
    const copy: { -readonly [K in keyof RequestLogRecord]: RequestLogRecord[K] } = { ...record };
    if (request.bytes > max) copy.requestBody = truncated(request.bytes, max, request.exact);
    if (response > max)
      copy.responseBody = truncated(response, max, record.responseBodyBytes !== undefined);
    return {
      record: copy,
      bytes: (request.bytes > max ? 0 : request.bytes) + (response > max ? 0 : response),
    };
  }

  /** Drops the bodies of the oldest entries until the history's bodies fit its budget again. */
  #trim(): void {
    this.#trimmed = Math.max(this.#trimmed, this.#seq - this.size + 1);
    while (this.#bytes > this.bounds.historyBodyBytes && this.#trimmed <= this.#seq) {
      const slot = this.#slotOf(this.#trimmed++);
      const record = slot === undefined ? undefined : this.#records[slot];
      if (slot === undefined || record === undefined || this.#sizes[slot] === 0) continue;
      const copy = { ...record };
      const marker = { [TRUNCATED]: 'dropped: the history keeps newer bodies (historyBodyBytes)' };
      if (copy.requestBody !== undefined) copy.requestBody = marker;
      if (copy.responseBody !== undefined) copy.responseBody = marker;
      this.#records[slot] = copy;
      this.#bytes -= this.#sizes[slot] as number;
      this.#sizes[slot] = 0;
    }
  }

  /** The slot of this sequence number, while the history holds it. */
  #slotOf(seq: number): number | undefined {
    if (!Number.isSafeInteger(seq) || seq < 1 || seq > this.#seq || seq <= this.#seq - this.size)
      return undefined;
    const slot = (seq - 1) % this.size;
    return this.#seqs[slot] === seq ? slot : undefined;
  }

  /** The entry in a slot, as the console's views read it. */
  #entryAt(slot: number): HistoryEntry | undefined {
    const record = this.#records[slot];
    if (record === undefined) return undefined;
    return {
      seq: this.#seqs[slot] as number,
      at: this.#ats[slot] as number,
      dialect: this.#dialects[slot],
      record,
      bytes: this.#sizes[slot] as number,
    };
  }

  /** Newest first; with `after`, only those recorded after that sequence number. */
  list(after = 0, limit = this.size): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    for (let i = 1; i <= this.size && out.length < limit; i++) {
      const slot = (this.#next - i + this.size) % this.size;
      if (this.#seqs[slot] === 0 || (this.#seqs[slot] as number) <= after) break;
      const entry = this.#entryAt(slot);
      if (entry === undefined) break;
      out.push(entry);
    }
    return out;
  }

  /**
   * The request of this sequence number, while the history holds it. Not by request id: that comes
   * from the client's `X-Request-Id`, and an identity provider retrying a request sends it again.
   */
  get(seq: number): HistoryEntry | undefined {
    const slot = this.#slotOf(seq);
    return slot === undefined ? undefined : this.#entryAt(slot);
  }

  /**
   * The requests with this request id, newest first. A scan rather than an index kept up to date:
   * requests are recorded far more often than the page opens one.
   */
  withRequestId(requestId: string): HistoryEntry[] {
    return this.list().filter((entry) => entry.record.requestId === requestId);
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

/**
 * The request body's size: as the record gives it, else the request's `Content-Length`, else
 * counted up to `max` (a record made elsewhere than the server).
 */
function requestSize(record: RequestLogRecord, max: number): { bytes: number; exact: boolean } {
  if (record.requestBodyBytes !== undefined) return { bytes: record.requestBodyBytes, exact: true };
  if (record.requestBody === undefined) return { bytes: 0, exact: true };
  const length = Number(record.requestHeaders?.['content-length'] ?? Number.NaN);
  return Number.isSafeInteger(length) && length >= 0
    ? { bytes: length, exact: true }
    : { bytes: jsonSize(record.requestBody, max), exact: false };
}

/** A body too large to keep, as the detail shows it instead. */
function truncated(size: number, max: number, exact: boolean): Record<string, string> {
  return { [TRUNCATED]: exact ? `${size} bytes` : `more than ${max} bytes` };
}

/**
 * The length of a parsed JSON value as JSON text, roughly (a number counts 8, a string its UTF-16
 * length and quotes), counted only until it passes `limit`: a body far over the bound costs no
 * more to size than one at the bound.
 */
export function jsonSize(value: unknown, limit: number): number {
  let size = 0;
  const visit = (node: unknown, depth: number): void => {
    if (typeof node === 'string') size += node.length + 2;
    else if (typeof node === 'number') size += 8;
    else if (typeof node === 'boolean') size += 5;
    else if (node === null || typeof node !== 'object' || depth > 256) size += 4;
    else if (Array.isArray(node)) {
      size += 2;
      for (let i = 0; i < node.length && size <= limit; i++) {
        size++;
        visit(node[i], depth + 1);
      }
    } else {
      size += 2;
      for (const name of Object.keys(node)) {
        if (size > limit) return;
        size += name.length + 4;
        visit((node as Record<string, unknown>)[name], depth + 1);
      }
    }
  };
  visit(value, 0);
  return size;
}

// The bounded request history (a ring of slots: the oldest request goes when a new one comes) and
// the per-tenant counts of the last hour behind the chart. Recording runs on every SCIM request
// while the console is on, so a request is kept in columns rather than as the server's record: the
// fields in arrays allocated once, each body as the JSON text the server hands `log` (its second
// argument), a string it made anyway. Keeping the text costs nothing when the request is recorded;
// copying it into a buffer outside the heap, as the history once did, cost more on every request
// than the garbage collector spends on the strings (bench/README.md, `console.mjs`). Holding the
// record itself would keep the parsed bodies, object graphs many times the size of their text.
//
// Bodies are bounded twice. One larger than `maxBodyBytes` is kept as a marker only; and past
// `historyBodyBytes` for the whole history, the oldest requests lose their bodies first. Both count
// bytes of JSON text: the sizes the server's record gives, else a request's `Content-Length`, else a
// walk of the parsed body that stops as soon as it passes the bound.
import type { RequestLogRecord, RequestLogText } from '@scim/server';
import { headerValue } from './redact.js';

/** One request as the history gives it back. */
export interface HistoryEntry {
  readonly seq: number;
  readonly at: number;
  readonly dialect: string | undefined;
  /** The log record; its bodies only from `get`, a body over a bound as a marker. */
  readonly record: RequestLogRecord;
}

/** What the history keeps of its records' bodies. */
export interface BodyBounds {
  readonly maxBodyBytes: number;
  readonly historyBodyBytes: number;
}

const TRUNCATED = '[truncated]';
const DROPPED = { [TRUNCATED]: 'dropped: the history keeps newer bodies (historyBodyBytes)' };

const MINUTE = 60_000;
const HOUR_MINUTES = 60;

/** Requests of one minute of one tenant, by status class. */
export interface MinuteCounts {
  minute: number;
  ok: number;
  clientError: number;
  serverError: number;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Rules = RequestLogRecord['compatibility'];

/**
 * What a slot holds of one body (request or response). `Truncated`: over `maxBodyBytes`, its size
 * in `#bodySizes` (NaN when only known to be over); `Dropped`: for `historyBodyBytes`.
 */
const Body = { None: 0, Kept: 1, Truncated: 2, Dropped: 3 } as const;

export class RequestHistory {
  // Columns, one entry per slot. The strings are the record's own (most are shared: the method,
  // the principal, the tenant), so keeping them allocates nothing.
  readonly #requestIds: string[];
  readonly #methods: string[];
  readonly #paths: string[];
  readonly #queries: string[];
  readonly #statuses: Uint16Array;
  readonly #durations: Float64Array;
  readonly #principals: unknown[];
  readonly #tenants: (string | undefined)[];
  readonly #recordDialects: (string | undefined)[];
  readonly #dialects: (string | undefined)[];
  readonly #errors: RequestLogRecord['error'][];
  readonly #rules: Rules[];
  /** Per slot: the request's header list packed into one text (`packHeaders`), or as given. */
  readonly #headers: (string | RequestLogRecord['requestHeaders'])[];
  /** Per body (slot × 2, + 1 for the response): the byte size the record gave, NaN for none. */
  readonly #bodyBytes: Float64Array;
  readonly #bodyStates: Uint8Array;
  readonly #bodySizes: Float64Array;
  /** Per body: its JSON text while kept, and the bytes it counts against `historyBodyBytes`. */
  readonly #texts: (string | undefined)[];
  readonly #textBytes: Float64Array;
  #liveBytes = 0;
  /** The sequence number in each slot; 0 for a slot not yet used. */
  readonly #seqs: Float64Array;
  readonly #ats: Float64Array;
  #next = 0;
  #seq = 0;
  readonly #minutes = new Map<string, MinuteCounts[]>();
  // The oldest sequence number whose bodies may still count: the budget drops bodies from here on.
  #trimmed = 1;

  constructor(
    readonly size: number,
    private readonly bounds: BodyBounds = {
      maxBodyBytes: Number.POSITIVE_INFINITY,
      historyBodyBytes: Number.POSITIVE_INFINITY,
    },
  ) {
    const strings = () => new Array<string>(size).fill('');
    this.#requestIds = strings();
    this.#methods = strings();
    this.#paths = strings();
    this.#queries = strings();
    this.#statuses = new Uint16Array(size);
    this.#durations = new Float64Array(size);
    this.#principals = new Array<unknown>(size).fill(undefined);
    this.#tenants = new Array<string | undefined>(size).fill(undefined);
    this.#recordDialects = new Array<string | undefined>(size).fill(undefined);
    this.#dialects = new Array<string | undefined>(size).fill(undefined);
    this.#errors = new Array<RequestLogRecord['error']>(size).fill(undefined);
    this.#rules = new Array<Rules>(size).fill(undefined);
    this.#headers = new Array<string | RequestLogRecord['requestHeaders']>(size).fill(undefined);
    this.#bodyBytes = new Float64Array(2 * size);
    this.#bodyStates = new Uint8Array(2 * size);
    this.#bodySizes = new Float64Array(2 * size);
    this.#texts = new Array<string | undefined>(2 * size).fill(undefined);
    this.#textBytes = new Float64Array(2 * size);
    this.#seqs = new Float64Array(size);
    this.#ats = new Float64Array(size);
  }

  /**
   * Keeps one request. `text` is the server's second argument to `log`: its bodies as JSON text,
   * which are kept as they are; a record without it (made elsewhere) has its bodies serialised.
   */
  add(
    record: RequestLogRecord,
    at: number,
    dialect: string | undefined,
    text?: RequestLogText,
  ): void {
    const slot = this.#next;
    this.#requestIds[slot] = record.requestId;
    this.#methods[slot] = record.method;
    this.#paths[slot] = record.path;
    this.#queries[slot] = record.query;
    this.#statuses[slot] = record.status;
    this.#durations[slot] = record.durationMs;
    this.#principals[slot] = record.principal;
    this.#tenants[slot] = record.tenant;
    this.#recordDialects[slot] = record.dialect;
    this.#dialects[slot] = dialect;
    this.#errors[slot] = record.error;
    this.#rules[slot] = record.compatibility;
    this.#headers[slot] = packHeaders(record.requestHeaders);
    this.#seqs[slot] = ++this.#seq;
    this.#ats[slot] = at;
    this.#keepBody(2 * slot, record, true, text?.requestBody);
    this.#keepBody(2 * slot + 1, record, false, text?.responseBody);
    this.#next = slot + 1 === this.size ? 0 : slot + 1;
    if (this.#liveBytes > this.bounds.historyBodyBytes) this.#trim();
    this.#count(record, at);
  }

  /**
   * Keeps one body in its place: its text, or a marker when it is over `maxBodyBytes`. Its size is
   * the record's when it gives one (the server's always does), else that of the text, else that of
   * `requestSize` or a walk of the value that stops at the bound.
   */
  #keepBody(
    place: number,
    record: RequestLogRecord,
    request: boolean,
    text: string | undefined,
  ): void {
    const value = request ? record.requestBody : record.responseBody;
    const bytes = request ? record.requestBodyBytes : record.responseBodyBytes;
    this.#clearText(place);
    this.#bodyBytes[place] = bytes ?? Number.NaN;
    if (value === undefined) {
      this.#bodyStates[place] = Body.None;
      return;
    }
    const max = this.bounds.maxBodyBytes;
    let size = bytes;
    let exact = true;
    if (size === undefined && text !== undefined) size = utf8Length(text);
    else if (size === undefined) {
      ({ bytes: size, exact } = request
        ? requestSize(record, max)
        : { bytes: jsonSize(value, max), exact: false });
    }
    if (size > max) {
      this.#bodyStates[place] = Body.Truncated;
      this.#bodySizes[place] = exact ? size : Number.NaN;
      return;
    }
    const kept = text ?? JSON.stringify(value);
    // A size only estimated by the walk is counted now that the text is made.
    if (!exact) size = utf8Length(kept);
    if (size > max) {
      this.#bodyStates[place] = Body.Truncated;
      this.#bodySizes[place] = size;
      return;
    }
    this.#texts[place] = kept;
    this.#textBytes[place] = size;
    this.#liveBytes += size;
    this.#bodyStates[place] = Body.Kept;
  }

  #clearText(place: number): void {
    if (this.#texts[place] === undefined) return;
    this.#texts[place] = undefined;
    this.#liveBytes -= this.#textBytes[place] as number;
  }

  /** Drops the bodies of the oldest entries until the history's bodies fit its budget again. */
  #trim(): void {
    this.#trimmed = Math.max(this.#trimmed, this.#seq - this.size + 1);
    while (this.#liveBytes > this.bounds.historyBodyBytes && this.#trimmed <= this.#seq) {
      const slot = this.#slotOf(this.#trimmed++);
      if (slot === undefined) continue;
      this.#drop(2 * slot);
      this.#drop(2 * slot + 1);
    }
  }

  #drop(place: number): void {
    if (this.#bodyStates[place] !== Body.Kept) return;
    this.#clearText(place);
    this.#bodyStates[place] = Body.Dropped;
  }

  /** The slot of this sequence number, while the history holds it. */
  #slotOf(seq: number): number | undefined {
    if (!Number.isSafeInteger(seq) || seq < 1 || seq > this.#seq || seq <= this.#seq - this.size)
      return undefined;
    const slot = (seq - 1) % this.size;
    return this.#seqs[slot] === seq ? slot : undefined;
  }

  /** The entry in a slot, as the console's views read it; the bodies only when asked for. */
  #entryAt(slot: number, bodies: boolean): HistoryEntry {
    const record: Mutable<RequestLogRecord> = {
      requestId: this.#requestIds[slot] as string,
      method: this.#methods[slot] as string,
      path: this.#paths[slot] as string,
      query: this.#queries[slot] as string,
      status: this.#statuses[slot] as number,
      durationMs: this.#durations[slot] as number,
      principal: this.#principals[slot],
      tenant: this.#tenants[slot],
    };
    const dialect = this.#recordDialects[slot];
    if (dialect !== undefined) record.dialect = dialect;
    const error = this.#errors[slot];
    if (error !== undefined) record.error = error;
    const rules = this.#rules[slot];
    if (rules !== undefined) record.compatibility = rules;
    const headers = this.#headers[slot];
    if (headers !== undefined)
      record.requestHeaders = typeof headers === 'string' ? headers.split(LINE) : headers;
    const requestBytes = this.#bodyBytes[2 * slot] as number;
    if (!Number.isNaN(requestBytes)) record.requestBodyBytes = requestBytes;
    const responseBytes = this.#bodyBytes[2 * slot + 1] as number;
    if (!Number.isNaN(responseBytes)) record.responseBodyBytes = responseBytes;
    if (bodies) {
      const requestBody = this.#bodyAt(2 * slot);
      if (requestBody !== undefined) record.requestBody = requestBody;
      const responseBody = this.#bodyAt(2 * slot + 1);
      if (responseBody !== undefined) record.responseBody = responseBody;
    }
    return {
      seq: this.#seqs[slot] as number,
      at: this.#ats[slot] as number,
      dialect: this.#dialects[slot],
      record,
    };
  }

  #bodyAt(place: number): unknown {
    switch (this.#bodyStates[place]) {
      case Body.Kept:
        return JSON.parse(this.#texts[place] as string) as unknown;
      case Body.Truncated: {
        const size = this.#bodySizes[place] as number;
        return {
          [TRUNCATED]: Number.isNaN(size)
            ? `more than ${this.bounds.maxBodyBytes} bytes`
            : `${size} bytes`,
        };
      }
      case Body.Dropped:
        return { ...DROPPED };
      default:
        return undefined;
    }
  }

  /**
   * Newest first, without their bodies; with `after`, only those recorded after that sequence
   * number.
   */
  list(after = 0, limit = this.size): HistoryEntry[] {
    const out: HistoryEntry[] = [];
    for (let i = 1; i <= this.size && out.length < limit; i++) {
      const slot = (this.#next - i + this.size) % this.size;
      if (this.#seqs[slot] === 0 || (this.#seqs[slot] as number) <= after) break;
      out.push(this.#entryAt(slot, false));
    }
    return out;
  }

  /**
   * The request of this sequence number with its bodies, while the history holds it. Not by
   * request id: that comes from the client's `X-Request-Id`, and an identity provider retrying a
   * request sends it again.
   */
  get(seq: number): HistoryEntry | undefined {
    const slot = this.#slotOf(seq);
    return slot === undefined ? undefined : this.#entryAt(slot, true);
  }

  /**
   * The requests with this request id, newest first, without their bodies. A scan rather than an
   * index kept up to date: requests are recorded far more often than the page opens one.
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

const LINE = '\n';

/**
 * A request's header list as one text, its names and values one per line, when none holds a line
 * break (no HTTP field can, and Node's parser and `Headers` refuse one); as given otherwise (a
 * record made elsewhere), and when empty. Kept as the list, each request's names and values are
 * strings of their own that outlive a collection or two and are promoted: over Hono and SQLite the
 * history's copies of them were about half of what the console made the server promote
 * (bench/README.md, `console.mjs`). One text is one object, about half their size.
 */
function packHeaders(
  headers: RequestLogRecord['requestHeaders'],
): string | RequestLogRecord['requestHeaders'] {
  if (headers === undefined || headers.length === 0) return headers;
  for (const item of headers) if (typeof item !== 'string' || item.includes(LINE)) return headers;
  return headers.join(LINE);
}

const UTF8 = new TextEncoder();

/**
 * The length of `text` in UTF-8, for a body whose record gives no size (one made elsewhere than the
 * server, which sizes every body it logs): encoded to be counted, which such a record costs once.
 */
function utf8Length(text: string): number {
  return UTF8.encode(text).byteLength;
}

/**
 * The request body's size: as the record gives it, else the request's `Content-Length`, else
 * counted up to `max` (a record made elsewhere than the server).
 */
function requestSize(record: RequestLogRecord, max: number): { bytes: number; exact: boolean } {
  if (record.requestBodyBytes !== undefined) return { bytes: record.requestBodyBytes, exact: true };
  if (record.requestBody === undefined) return { bytes: 0, exact: true };
  const length = Number(headerValue(record.requestHeaders, 'content-length') ?? Number.NaN);
  return Number.isSafeInteger(length) && length >= 0
    ? { bytes: length, exact: true }
    : { bytes: jsonSize(record.requestBody, max), exact: false };
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

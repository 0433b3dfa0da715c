// What the handler tells the application about each request: its id, the log record, redaction.
import { formatIssuePath, randomUuid, type ScimError, type ScimIssuePath } from '@scim/core';
import type { Engine, Scope } from './engine.js';
import { responseText } from './http.js';
import {
  SERVER_PRESETS,
  type RequestLogRecord,
  type RequestLogText,
  type ServerPresetName,
} from './options.js';

/** What one request collects on its way for its log record. */
export interface Exchange {
  readonly requestId: string;
  /** The request's URL once parsed, so the log record does not parse it again. */
  url: URL | undefined;
  /**
   * The method uppercased and the URL's path, once the pipeline has read them: each read of
   * `request.method` or `url.pathname` makes a new string.
   */
  method: string | undefined;
  path: string | undefined;
  principal: unknown;
  tenant: string | undefined;
  /** The parsed JSON body, kept only when the log record will carry it (`debug`). */
  requestBody: unknown;
  /** The text `requestBody` was parsed from, kept with it. */
  requestText: string | undefined;
  /** The size of that text in bytes, as read. */
  requestBytes: number;
  /**
   * The body the response was serialised from, kept only with `debug`: the log record redacts it
   * as it is, and never reads the response.
   */
  responseBody: unknown;
  /** The error the response was made from. */
  error: ScimError | undefined;
  /**
   * The dialect of the engine that ran the request when it is not the handler's own (a tenant's,
   * in a multi-tenant handler); the log record reads the handler's engine otherwise.
   */
  dialect: string | undefined;
  /**
   * The request's headers as the adapter read them (`ScimFetchContext.rawHeaders`), if it gave a
   * list; its entries are checked when the record reads them.
   */
  rawHeaders: readonly unknown[] | undefined;
  /** The compatibility rules the request relied on, made on the first one: most rely on none. */
  compatibility: AppliedCompatibility[] | undefined;
  /**
   * Rules are collected whether or not anything logs: the work behind a 202 collects them for its
   * `asyncCompleted` record, which the outbox keeps without a log.
   */
  readonly forCompletion: boolean;
}

// Ids travel into log lines and error details: nothing but a short run of safe characters is taken.
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's `X-Request-Id` when it is well formed, so both sides' logs share it; otherwise a new one. */
export function requestIdOf(request: Request): string {
  const given = request.headers.get('x-request-id');
  // Not `crypto.randomUUID()`: Node joins its UUID from 20 pieces, a tree of strings that stays one
  // for as long as the id is kept, and the outbox, the log and a console keep it.
  return given !== null && CLIENT_REQUEST_ID.test(given) ? given : randomUuid();
}

export function createExchange(requestId: string, forCompletion = false): Exchange {
  return {
    requestId,
    url: undefined,
    method: undefined,
    path: undefined,
    principal: undefined,
    tenant: undefined,
    requestBody: undefined,
    requestText: undefined,
    requestBytes: 0,
    responseBody: undefined,
    error: undefined,
    dialect: undefined,
    compatibility: undefined,
    rawHeaders: undefined,
    forCompletion,
  };
}

/** One compatibility rule a request relied on, as its log record lists it. */
export type AppliedCompatibility = NonNullable<RequestLogRecord['compatibility']>[number];

/**
 * Notes the compatibility rules a parser or validator reported for this request's log record, once
 * each (a retried write reports its rules again). A bulk operation's are noted at its place in the
 * bulk request, `Operations[2].data.active`, so two operations relying on one rule are two entries.
 * Costs nothing when none applied, or when nothing logs outside the work behind a 202.
 */
export function noteCompatibility(
  scope: Scope,
  layer: AppliedCompatibility['layer'],
  applied:
    | readonly {
        readonly rule: string;
        readonly path: ScimIssuePath;
        readonly layer?: AppliedCompatibility['layer'];
      }[]
    | undefined,
): void {
  const { exchange, bulkOperation } = scope;
  if (applied === undefined || exchange === undefined) return;
  if (scope.engine.log === undefined && !exchange.forCompletion) return;
  for (const use of applied) {
    const formatted = formatIssuePath(use.path);
    const path =
      bulkOperation === undefined
        ? formatted
        : `Operations[${bulkOperation}].data${formatted === '' ? '' : `.${formatted}`}`;
    add(exchange, { rule: use.rule, layer: use.layer ?? layer, ...(path === '' ? {} : { path }) });
  }
}

/**
 * Notes in `to` the rules `from` collected, once each: an asynchronous request's work collects its
 * own, and they become the request's once it is answered with the work's outcome.
 */
export function carryCompatibility(from: Exchange, to: Exchange): void {
  if (from.compatibility !== undefined) for (const rule of from.compatibility) add(to, rule);
}

function add(exchange: Exchange, rule: AppliedCompatibility): void {
  const rules = (exchange.compatibility ??= []);
  if (!rules.some((seen) => sameRule(seen, rule))) rules.push(rule);
}

function sameRule(a: AppliedCompatibility, b: AppliedCompatibility): boolean {
  return a.rule === b.rule && a.layer === b.layer && a.path === b.path;
}

/**
 * A tenant's engine may have a dialect of its own, which the handler's log record cannot see:
 * noted for its requests. A single handler's record reads its own engine's.
 */
export function noteDialect(engine: Engine, exchange: Exchange): void {
  if (engine.tenant !== undefined && engine.log !== undefined) exchange.dialect = engine.dialect;
}

const PRESET_NAMES = Object.keys(SERVER_PRESETS) as ServerPresetName[];

/**
 * The preset a compatibility bundle is, by name, or `custom` for a bundle of its own: named once,
 * when an engine is made, rather than looked up for each logged request.
 */
export function dialectOf(compatibility: Engine['compatibility']): string {
  for (const name of PRESET_NAMES) if (SERVER_PRESETS[name] === compatibility) return name;
  return 'custom';
}

const REDACTED = '[redacted]';

/**
 * A JSON body with every `password` value replaced, including PATCH operations whose path names the
 * password (RFC 7643 §4.1.1: the password is writeOnly and never returned). Only what leads to a
 * secret is copied: a body without one (most are) comes back as it is, so debug logging costs a walk
 * of the body rather than a copy of it. The request is answered before its record is made, so the
 * server never changes what the record holds.
 */
export function redact(value: unknown): unknown {
  // Recursion is safe here: request bodies are depth-limited when read, and responses are our own.
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let index = 0; index < value.length; index++) {
      const element: unknown = value[index];
      const redacted = redact(element);
      if (redacted !== element) (copy ??= value.slice())[index] = redacted;
    }
    return copy ?? value;
  }
  const record = value as Record<string, unknown>;
  // `for…in` over an own-key check rather than Object.keys, and names compared by character rather
  // than lowercased copies: with `debug` this walks every body of every request, and an allocation
  // per object or per name showed up as a measurable share of the request's garbage.
  // A PATCH operation whose path names the password: its value is the secret. The PATCH reader
  // takes `path` and `value` in any case, so they are matched in any case here too.
  let pathIsSecret = false;
  for (const name in record) {
    if (!Object.hasOwn(record, name) || !equalsIgnoringCase(name, 'path')) continue;
    const element = record[name];
    if (typeof element === 'string' && SECRET_PATH.test(element)) pathIsSecret = true;
  }
  let copy: Record<string, unknown> | undefined;
  for (const name in record) {
    if (!Object.hasOwn(record, name)) continue;
    const element = record[name];
    const secret = namesPassword(name) || (pathIsSecret && equalsIgnoringCase(name, 'value'));
    const redacted = secret ? REDACTED : redact(element);
    if (redacted === element) continue;
    copy ??= copyOf(record);
    // defineProperty, so a `__proto__` key stays a plain key of the copy.
    Object.defineProperty(copy, name, {
      value: redacted,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy ?? value;
}

const SECRET_PATH = /password/i;
const COLON = 58;
const PASSWORD = 'password';

/**
 * `password` in any case, or a path key ending in `:password` (`urn:…:User:password`), which the
 * presets' `pathKeysInValue` reads as the password in a path-less PATCH value.
 */
function namesPassword(name: string): boolean {
  const start = name.length - PASSWORD.length;
  if (start < 0 || (start > 0 && name.charCodeAt(start - 1) !== COLON)) return false;
  return lettersAt(name, start, PASSWORD);
}

/** Whether `name` is `lower` (all lowercase ASCII letters) in any case. */
function equalsIgnoringCase(name: string, lower: string): boolean {
  return name.length === lower.length && lettersAt(name, 0, lower);
}

/** Whether `name` holds `lower` (lowercase ASCII letters only) at `start`, in any case. */
function lettersAt(name: string, start: number, lower: string): boolean {
  for (let index = 0; index < lower.length; index++)
    // ASCII letters differ from their capitals by the 0x20 bit alone.
    if ((name.charCodeAt(start + index) | 0x20) !== lower.charCodeAt(index)) return false;
  return true;
}

/** A shallow copy that keeps a `__proto__` key a plain key. */
function copyOf(record: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const name of Object.keys(record))
    Object.defineProperty(copy, name, {
      value: record[name],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return copy;
}

/** The debug record's headers from a `Headers`: names lowercased and sorted, as it lists them. */
function redactedHeaders(headers: Headers): string[] {
  const list: string[] = [];
  headers.forEach((value, name) => {
    list.push(name, isSecretHeader(name) ? REDACTED : value);
  });
  return list;
}

/**
 * The debug record's headers from an adapter's raw list (`[name, value, …]`, as Node's
 * `IncomingMessage.rawHeaders`): the same list, names as sent and in order, a repeated header once
 * per line, with the value of `authorization`, `cookie` and `proxy-authorization` in any case
 * redacted. Left out: HTTP/2 pseudo-headers and other names that are no header name (`Headers`
 * refuses them, and one like `Authorization ` would escape redaction), entries that are no string,
 * a name without a value. Copied once as a whole rather than read into a map and sorted: this runs
 * on every request while something logs with `debug`, and the map, the sort and an object keyed by
 * name cost fifteen times the copy.
 */
export function redactedRawHeaders(raw: readonly unknown[]): readonly string[] {
  // The adapter's own list while nothing needs changing; a copy from the first change on.
  let list: string[] | undefined;
  let kept = 0;
  for (let index = 0; index + 1 < raw.length; index += 2) {
    const name = raw[index];
    const value = raw[index + 1];
    const valid = typeof name === 'string' && typeof value === 'string' && HEADER_NAME.test(name);
    const secret = valid && isSecretHeader(name);
    if (valid && !secret && list === undefined) {
      kept += 2;
      continue;
    }
    list ??= raw.slice(0, kept) as string[];
    if (valid) list.push(name, secret ? REDACTED : value);
  }
  if (list !== undefined) return list;
  return kept === raw.length ? (raw as readonly string[]) : (raw.slice(0, kept) as string[]);
}

/** A header name: an RFC 9110 token (which also keeps out `:path` and the like). */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * `authorization`, `cookie` or `proxy-authorization` in any case, without lowercasing a copy, for a
 * name already known to be a token (whose only character `| 0x20` makes a `-` is a `-`).
 */
function isSecretHeader(name: string): boolean {
  switch (name.length) {
    case 6:
      return equalsIgnoringCase(name, 'cookie');
    case 13:
      return equalsIgnoringCase(name, 'authorization');
    case 19:
      return equalsIgnoringCase(name, 'proxy-authorization');
    default:
      return false;
  }
}

/**
 * Builds the log record of an answered request and hands it to `options.log`. The response is the
 * one the handler made from `exchange.responseBody`, so nothing is read back from it: this runs on
 * every request.
 */
export function logExchange(
  engine: Engine,
  request: Request,
  response: Response,
  exchange: Exchange,
  startedAt: number,
): void {
  const log = engine.log;
  if (log === undefined) return;
  const url = exchange.url ?? new URL(request.url);
  const { status } = response;
  // One object, its optional fields added in place: this runs on every request, and spreading a
  // record into the next costs more than the rest of the logging.
  const record: Mutable<RequestLogRecord> = {
    requestId: exchange.requestId,
    method: exchange.method ?? request.method.toUpperCase(),
    path: exchange.path ?? url.pathname,
    query: url.search,
    status,
    durationMs: performance.now() - startedAt,
    principal: exchange.principal,
    tenant: exchange.tenant,
    dialect: exchange.dialect ?? engine.dialect,
  };
  if (status >= 400)
    record.error = { scimType: exchange.error?.scimType, detail: exchange.error?.detail };
  if (exchange.compatibility !== undefined) record.compatibility = exchange.compatibility;
  let text: Mutable<RequestLogText> | undefined;
  if (engine.debug) {
    text = {};
    const { rawHeaders } = exchange;
    record.requestHeaders =
      rawHeaders === undefined ? redactedHeaders(request.headers) : redactedRawHeaders(rawHeaders);
    const { requestBody, requestText, requestBytes, responseBody } = exchange;
    if (requestBody !== undefined && requestText !== undefined)
      text.requestBody = logBody(
        record,
        'requestBody',
        'requestBodyBytes',
        requestText,
        requestBody,
        requestBytes,
      );
    // A body-less answer (204, 304) kept no body, and its response is not asked about one: on
    // Hono's Node server, reading `body` turns its light response into a full one, written slower.
    const written = responseBody === undefined ? undefined : responseText(response);
    if (written !== undefined)
      text.responseBody = logBody(
        record,
        'responseBody',
        'responseBodyBytes',
        written,
        responseBody,
        utf8Length(written),
      );
  }
  write(engine, request, exchange, log, record, text);
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Puts a body, redacted, and its size in bytes in the record, and gives back its text as the
 * record holds it: the text as exchanged, unless redaction changed the value.
 */
function logBody(
  record: Mutable<RequestLogRecord>,
  key: 'requestBody' | 'responseBody',
  sizeKey: 'requestBodyBytes' | 'responseBodyBytes',
  text: string,
  value: unknown,
  bytes: number,
): string {
  record[sizeKey] = bytes;
  // Most bodies name no secret; a scan of the text tells so for less than a walk of the value.
  if (!mayHoldSecret(text)) {
    record[key] = value;
    return text;
  }
  const redacted = redact(value);
  record[key] = redacted;
  return redacted === value ? text : JSON.stringify(redacted);
}

/**
 * Whether `redact` could change the value parsed from this JSON text. Every secret it replaces is
 * named by `password` in some case (a member name, or a PATCH operation's path), and a text names
 * it so unless it spells a letter with a `\u` escape (no other JSON escape makes a letter): a text
 * with neither parses to a value `redact` returns as it is.
 */
export function mayHoldSecret(text: string): boolean {
  return text.includes('\\u') || SECRET_PATH.test(text);
}

function write(
  engine: Engine,
  request: Request,
  exchange: Exchange,
  log: (record: RequestLogRecord, text?: RequestLogText) => void | Promise<void>,
  record: RequestLogRecord,
  text: RequestLogText | undefined,
): void {
  // A failing logger, synchronous or not, must not turn an answered request into a failure.
  try {
    const written: unknown = text === undefined ? log(record) : log(record, text);
    if (written instanceof Promise)
      written.catch((error: unknown) => logFailed(engine, request, exchange, error));
  } catch (error) {
    logFailed(engine, request, exchange, error);
  }
}

function logFailed(engine: Engine, request: Request, exchange: Exchange, error: unknown): void {
  engine.onError(error, request, { requestId: exchange.requestId });
}

const UTF8 = new TextEncoder();
/**
 * Where bodies are encoded only to be counted. Shared: nothing else runs while `encodeInto` writes
 * it, and no one reads it.
 */
const SCRATCH = new Uint8Array(64 * 1024);

/**
 * The length of `text` encoded as UTF-8, counted by the runtime's `Buffer.byteLength` where it has
 * one (Node, Bun), else by `encodedLength`. In a Hono server over SQLite, `encodeInto` took about
 * 1.5 µs a response (the scratch buffer is cold by then), and this runs on every response logged
 * with `debug`; `Buffer.byteLength` counts without writing anything.
 */
const utf8Length: (text: string) => number = hostByteLength() ?? encodedLength;

/** `Buffer.byteLength(text, 'utf8')`, when the runtime has Node's `Buffer`. */
function hostByteLength(): ((text: string) => number) | undefined {
  const host = (globalThis as { readonly Buffer?: unknown }).Buffer;
  if (typeof host !== 'function') return undefined;
  const byteLength: unknown = (host as { readonly byteLength?: unknown }).byteLength;
  if (typeof byteLength !== 'function') return undefined;
  return (text) =>
    (byteLength as (text: string, encoding: string) => number).call(host, text, 'utf8');
}

/**
 * The length of `text` encoded as UTF-8, by encoding it into a buffer kept for it (V8 does that
 * three times faster than it checks a 600-character body for ASCII with a regular expression,
 * and without a copy); a text too long for the buffer is encoded whole.
 */
export function encodedLength(text: string): number {
  const { read, written } = UTF8.encodeInto(text, SCRATCH);
  return read === text.length ? written : UTF8.encode(text).byteLength;
}

/**
 * One request as a developer reads it in a terminal: `PATCH /scim/v2/Users/2819c223 400 1.2 ms`,
 * then the error's scimType and detail, the compatibility rules it relied on, and with `debug` the
 * request and response bodies, each on a line of its own. `bodies: false` leaves the bodies out of
 * the line even when the record carries them (a record kept with its bodies for a console, shown
 * without them in the terminal), with no copy of the record made to drop them.
 * @example `createScimHandler({ …, log: (record) => console.log(formatRequestLog(record)) })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export function formatRequestLog(
  record: RequestLogRecord,
  options: { readonly bodies?: boolean } = {},
): string {
  const lines = [
    `${record.method} ${record.path}${readable(record.query)} ${record.status} ${record.durationMs.toFixed(1)} ms`,
  ];
  if (record.error !== undefined) {
    const { scimType, detail } = record.error;
    // A detail can quote what the client sent (an id, a path): kept on its one line.
    const parts = [scimType, detail].filter((part) => part !== undefined).map(escapeControl);
    lines.push(`  ${parts.join(': ')}`);
  }
  if (record.compatibility !== undefined) {
    const rules = record.compatibility.map(({ rule, path }) =>
      path === undefined ? rule : `${rule} at ${escapeControl(path)}`,
    );
    lines.push(`  compatibility: ${rules.join(', ')}`);
  }
  if (options.bodies === false) return lines.join('\n');
  if (record.requestBody !== undefined)
    lines.push(`  request: ${JSON.stringify(record.requestBody)}`);
  if (record.responseBody !== undefined)
    lines.push(`  response: ${JSON.stringify(record.responseBody)}`);
  return lines.join('\n');
}

/**
 * `?filter=userName eq "x"` rather than its percent-encoding, left as sent when it does not decode;
 * control characters stay escaped, so a query cannot start a forged log line.
 */
function readable(query: string): string {
  let text: string;
  try {
    text = decodeURIComponent(query.replace(/\+/g, ' '));
  } catch {
    return query;
  }
  return escapeControl(text);
}

/** Control characters as `%0A` and the like, so no text can start a line of its own in a log. */
function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is escaped
  return text.replace(/[\u0000-\u001f\u007f]/g, (char) => encodeURIComponent(char));
}

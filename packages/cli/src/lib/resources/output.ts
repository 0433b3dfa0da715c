// What the resource commands print: the server's JSON on stdout (indented on a terminal, one line
// when piped; password values redacted, RFC 7643 §7), and on stderr, for an error answer, its
// status, scimType and detail (RFC 7644 §3.12) with a hint where a usual cause is known. The token
// never appears in either: any text that would hold it is redacted first.
import { isScimClientError, ScimTransportError } from '@scim/client';
import { GROUP_SCHEMA_URN, isScimError, USER_SCHEMA_URN } from '@scim/core';
import { EXIT, type CliIo } from '../io.js';
import { redactJson, redactSecrets } from '../redact.js';
import type { ResourceArgs } from './options.js';

export interface Output {
  /** A JSON value, indented or on one line. */
  json(value: unknown): void;
  /** A JSON value on one line (ndjson). */
  line(value: unknown): void;
  /** A line of text on stdout. */
  text(line: string): void;
  /** A message on stderr, prefixed with the command. */
  error(message: string): void;
}

export function createOutput(
  args: Pick<ResourceArgs, 'command' | 'style'>,
  io: CliIo,
  secrets: readonly string[],
): Output {
  const pretty = args.style === undefined ? io.stdout.isTTY === true : args.style === 'pretty';
  const clean = (text: string) => redactSecrets(text, secrets);
  const encode = (value: unknown, indent: number | undefined) =>
    clean(JSON.stringify(redactJson(value), null, indent) ?? 'null');
  return {
    json: (value) => io.stdout.write(`${encode(value, pretty ? 2 : undefined)}\n`),
    line: (value) => io.stdout.write(`${encode(value, undefined)}\n`),
    text: (line) => io.stdout.write(`${clean(line)}\n`),
    error: (message) => io.stderr.write(clean(`scim ${args.command}: ${message}\n`)),
  };
}

/** What the request was about, for hints. */
export interface Attempt {
  readonly args: ResourceArgs;
  /** The JSON sent, when there was one. */
  readonly body?: unknown;
}

function hintFor(status: number, attempt: Attempt): string | undefined {
  const { args, body } = attempt;
  if (status === 401)
    return args.connection.token === undefined
      ? 'no token was sent: pass --token or set SCIM_TOKEN'
      : 'the server refused the token: check --token or SCIM_TOKEN';
  if (status === 412)
    return 'the resource changed since that version: read it again (scim get) and retry with its meta.version';
  if (
    status === 400 &&
    (args.command === 'create' || args.command === 'replace') &&
    typeof body === 'object' &&
    body !== null &&
    !Array.isArray(body) &&
    !Object.keys(body).some((key) => key.toLowerCase() === 'schemas')
  ) {
    const type = args.type.replace(/^\//, '').toLowerCase();
    const urn = /^users?$/.test(type)
      ? USER_SCHEMA_URN
      : /^groups?$/.test(type)
        ? GROUP_SCHEMA_URN
        : undefined;
    return `the JSON has no "schemas"; a SCIM resource names its schemas (RFC 7643 §3), such as ${JSON.stringify({ schemas: [urn ?? 'urn:…'] })}`;
  }
  return undefined;
}

/** Prints why a request failed and returns the exit code. */
export function reportFailure(error: unknown, attempt: Attempt, output: Output): number {
  if (isScimClientError(error)) {
    const scimType = error.rawScimType === undefined ? '' : ` ${error.rawScimType}`;
    const detail = error.detail === undefined ? '' : `: ${error.detail}`;
    const hint = hintFor(error.status, attempt);
    output.error(
      `the server answered ${error.status}${scimType}${detail}\n  ${error.method} ${error.url}${hint === undefined ? '' : `\n  Hint: ${hint}`}`,
    );
    // Refused credentials stop every command, as they stop scim check: exit 2.
    return error.status === 401 || error.status === 403 ? EXIT.usage : EXIT.failed;
  }
  if (error instanceof ScimTransportError) {
    const why = error.message.slice(`${error.method} ${error.url}: `.length) || error.message;
    switch (error.code) {
      case 'aborted':
        output.error('interrupted');
        return EXIT.interrupted;
      case 'network':
      case 'timeout':
      case 'token':
        output.error(`could not reach ${error.url}: ${why}`);
        return EXIT.usage;
      default:
        output.error(`the server's answer is not usable: ${why}\n  ${error.method} ${error.url}`);
        return EXIT.failed;
    }
  }
  // A ScimError thrown before any request (an --op path that does not parse).
  if (isScimError(error)) {
    output.error(error.detail ?? error.message);
    return EXIT.usage;
  }
  output.error(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  return EXIT.failed;
}

// The options every `scim` command that talks to a server shares: the base URL, --token (or
// SCIM_TOKEN), --header and --timeout. Each reader returns the value or the message of a usage error.
import type { CliIo } from './io.js';

/** Where a server is, and how to authenticate to it. */
export interface Connection {
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly headers: Record<string, string>;
  readonly timeoutMs: number;
}

/** The parseArgs options of a {@link Connection}. */
export const CONNECTION_OPTIONS = {
  token: { type: 'string' },
  header: { type: 'string', multiple: true },
  timeout: { type: 'string' },
} as const;

export const CONNECTION_HELP = `  --token <token>        Bearer token (default: the SCIM_TOKEN environment variable)
  --header <name:value>  Another request header; repeatable
  --timeout <seconds>    Per request (default 30)`;

/** Comma-separated and repeated values as one list. */
export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? [])
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');
}

function readBaseUrl(baseUrl: string): string | { error: string } {
  if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol))
    return { error: `${baseUrl} is not an http:// or https:// URL` };
  return baseUrl;
}

export function readConnection(
  baseUrl: string,
  values: { token?: string; header?: string[]; timeout?: string },
  env: CliIo['env'],
): Connection | { error: string } {
  const url = readBaseUrl(baseUrl);
  if (typeof url !== 'string') return url;
  const headers: Record<string, string> = {};
  for (const header of values.header ?? []) {
    const colon = header.indexOf(':');
    if (colon <= 0) return { error: `--header ${header}: expected name:value` };
    headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
  }
  const timeout = values.timeout === undefined ? 30 : Number(values.timeout);
  if (!(timeout > 0))
    return { error: `--timeout ${values.timeout ?? ''}: expected a number of seconds` };
  return {
    baseUrl: url,
    token: values.token ?? (env.SCIM_TOKEN === '' ? undefined : env.SCIM_TOKEN),
    headers,
    timeoutMs: timeout * 1000,
  };
}

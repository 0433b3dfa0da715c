// `scim check <base-url>`: parses the options, runs the check with progress on stderr, prints the
// report on stdout, writes --json and --junit, and turns Ctrl-C into a clean stop: the request in
// flight finishes, what the run created is deleted, the reports are written, and the exit code is
// 130. A second Ctrl-C stops at once.
import { parseArgs } from 'node:util';
import { CONNECTION_OPTIONS, readConnection, splitList } from './args.js';
import { runCheck } from './check/run.js';
import { EXIT, type CliIo } from './io.js';
import { createProgress, endProgress, progressMode } from './progress.js';
import { toJUnitXml } from './report/junit.js';
import { formatReport } from './report/text.js';
import type { CheckProfile, CheckReport } from './types.js';

export const CHECK_HELP = `Usage: scim check <base-url> [options]

Runs the conformance checks of @scim/server/testing against a SCIM 2.0 server over HTTP: the RFC
7643/7644 rules, and with --profile the exact requests Microsoft Entra ID and Okta send. Reads
/ServiceProviderConfig first and skips what the server does not advertise, saying why. Deletes the
users and groups it created when it ends, also after Ctrl-C.

Options:
  --token <token>        Bearer token (default: the SCIM_TOKEN environment variable)
  --header <name:value>  Another request header; repeatable
  --profile <name>       rfc (the default; always included), entra, okta or all;
                         repeatable or comma-separated
  --only <ids>           Only these checks: IDs, comma-separated; P-PATCH-* for a prefix
  --json <file>          Also write the report as JSON (- for stdout; the text goes to stderr)
  --junit <file>         Also write the report as JUnit XML
  --timeout <seconds>    Per request (default 30)
  --keep                 Keep the users and groups the check created
  --verbose              Show every request and response of a failing check, all headers
  --quiet                No progress output
  -h, --help             This help

Exit codes: 0 every required check passed; 1 a required check failed; 2 bad arguments, or the
server could not be reached or refused the credentials; 130 interrupted (after cleanup).

Example:
  scim check http://127.0.0.1:8080/scim/v2 --token "$SCIM_TOKEN" --profile entra --junit scim.xml
`;

const PROFILES = new Set(['rfc', 'entra', 'okta', 'all']);

interface Parsed {
  readonly baseUrl: string;
  readonly token: string | undefined;
  readonly headers: Record<string, string>;
  readonly profiles: CheckProfile[];
  readonly only: string[];
  readonly json: string | undefined;
  readonly junit: string | undefined;
  readonly timeoutMs: number;
  readonly keep: boolean;
  readonly verbose: boolean;
  readonly quiet: boolean;
}

/** The options, or the message of a usage error. */
function parse(argv: readonly string[], env: CliIo['env']): Parsed | { help: true } | string {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        ...CONNECTION_OPTIONS,
        profile: { type: 'string', multiple: true },
        only: { type: 'string', multiple: true },
        json: { type: 'string' },
        junit: { type: 'string' },
        keep: { type: 'boolean' },
        verbose: { type: 'boolean' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
  const { values, positionals } = parsed;
  if (values.help === true) return { help: true };
  if (positionals.length !== 1)
    return positionals.length === 0
      ? 'the base URL is missing, such as http://127.0.0.1:8080/scim/v2'
      : `one base URL expected, got ${positionals.join(' ')}`;
  const connection = readConnection(positionals[0] ?? '', values, env);
  if ('error' in connection) return connection.error;
  const profiles = splitList(values.profile).map((profile) => profile.toLowerCase());
  const unknown = profiles.filter((profile) => !PROFILES.has(profile));
  if (unknown.length > 0)
    return `unknown profile ${unknown.join(', ')}; use rfc, entra, okta or all`;
  return {
    ...connection,
    profiles: profiles.length === 0 ? ['rfc'] : (profiles as CheckProfile[]),
    only: splitList(values.only),
    json: values.json,
    junit: values.junit,
    keep: values.keep === true,
    verbose: values.verbose === true,
    quiet: values.quiet === true,
  };
}

async function writeReports(report: CheckReport, options: Parsed, io: CliIo): Promise<boolean> {
  const outputs: [string | undefined, () => string][] = [
    [options.json, () => `${JSON.stringify(report, null, 2)}\n`],
    [options.junit, () => toJUnitXml(report)],
  ];
  let ok = true;
  for (const [path, render] of outputs) {
    if (path === undefined) continue;
    if (path === '-') {
      io.stdout.write(render());
      continue;
    }
    try {
      await io.writeFile(path, render());
    } catch (error) {
      ok = false;
      io.stderr.write(
        `scim check: cannot write ${path}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
    }
  }
  return ok;
}

export async function checkCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const options = parse(argv, io.env);
  if (typeof options === 'string') {
    io.stderr.write(`scim check: ${options}\n\n${CHECK_HELP}`);
    return EXIT.usage;
  }
  if ('help' in options) {
    io.stdout.write(CHECK_HELP);
    return EXIT.ok;
  }
  const mode = options.quiet ? 'none' : progressMode(io.stderr, io.env);
  const controller = new AbortController();
  let signals = 0;
  const unsubscribe = io.onSignal((signal) => {
    signals += 1;
    if (signals === 1) {
      endProgress(io.stderr, mode);
      io.stderr.write(
        `\n${signal}: stopping after the request in flight, then deleting the users and groups created so far (${signal === 'SIGINT' ? 'Ctrl-C' : signal} again to stop at once)\n`,
      );
      controller.abort();
    } else {
      io.stderr.write(
        '\nStopped before cleanup finished: users and groups the check created may remain.\n',
      );
      io.exit(EXIT.interrupted);
    }
  });
  let report: CheckReport;
  try {
    report = await runCheck({
      baseUrl: options.baseUrl,
      token: options.token,
      headers: options.headers,
      profiles: options.profiles,
      only: options.only,
      timeoutMs: options.timeoutMs,
      cleanup: !options.keep,
      signal: controller.signal,
      fetch: io.fetch,
      onProgress: createProgress(io.stderr, mode),
    });
  } finally {
    unsubscribe();
  }
  endProgress(io.stderr, mode);
  const text = formatReport(report, {
    verbose: options.verbose,
    color: io.stdout.isTTY === true && io.env.NO_COLOR === undefined,
  });
  (options.json === '-' ? io.stderr : io.stdout).write(text);
  const written = await writeReports(report, options, io);
  if (report.interrupted) return EXIT.interrupted;
  if (report.fatal !== undefined || !written) return EXIT.usage;
  return report.ok ? EXIT.ok : EXIT.failed;
}

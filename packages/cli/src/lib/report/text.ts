// The report `scim check` prints at the end: each failure with the rule it breaks (RFC section and
// checklist row), the usual fix, and the request and response that showed it; then what was
// skipped and why, the counts, and what cleanup did.
import type { CheckCaseResult, CheckReport, RecordedExchange } from '../types.js';

export interface TextOptions {
  /** Show every exchange of a failing check, not only the telling ones. */
  readonly verbose?: boolean;
  /** Colour with ANSI escapes. */
  readonly color?: boolean;
}

const MAX_BODY_LINES = 30;

function paint(on: boolean, code: number, text: string): string {
  return on ? `\u001b[${code}m${text}\u001b[0m` : text;
}

function prettyBody(body: string): string[] {
  let text = body;
  try {
    text = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    // Shown as received.
  }
  const lines = text.split('\n');
  return lines.length > MAX_BODY_LINES
    ? [...lines.slice(0, MAX_BODY_LINES), `… (${lines.length - MAX_BODY_LINES} more lines)`]
    : lines;
}

const SHOWN_HEADERS =
  /^(content-type|location|etag|if-match|if-none-match|www-authenticate|allow)$/;

function exchangeLines(exchange: RecordedExchange, verbose: boolean): string[] {
  const { request, response } = exchange;
  const headers = (all: Readonly<Record<string, string>>) =>
    Object.entries(all)
      .filter(([name]) => verbose || SHOWN_HEADERS.test(name))
      .map(([name, value]) => `${name}: ${value}`);
  const lines = [`Request:  ${request.method} ${request.url}`];
  for (const line of [...headers(request.headers), ...prettyBody(request.body ?? '')])
    if (line !== '') lines.push(`          ${line}`);
  if (response === undefined) {
    lines.push(`Response: none (${exchange.error ?? 'no answer'})`);
    return lines;
  }
  lines.push(`Response: ${response.status} ${response.statusText}`.trimEnd());
  for (const line of [...headers(response.headers), ...prettyBody(response.body ?? '')])
    if (line !== '') lines.push(`          ${line}`);
  return lines;
}

/**
 * The exchanges that tell what went wrong: the one the message names by method (or the last), and
 * the write before a failing read-back (a PATCH answered 200, then the GET shows nothing changed).
 */
export function tellingExchanges(failure: CheckCaseResult): readonly RecordedExchange[] {
  const all = failure.exchanges ?? [];
  if (all.length === 0) return [];
  const method = /^(GET|POST|PUT|PATCH|DELETE)\b/.exec(failure.message ?? '')?.[1];
  const named = method === undefined ? undefined : all.findLast((e) => e.request.method === method);
  const main = named ?? all[all.length - 1];
  if (main === undefined) return [];
  // A read-back that answered 2xx shows the state; the write before it is what went wrong.
  const readBack =
    main.request.method === 'GET' &&
    main.response !== undefined &&
    main.response.status < 300 &&
    !/expected HTTP/.test(failure.message ?? '');
  const index = all.indexOf(main);
  const write = readBack
    ? all.slice(0, index).findLast((e) => e.request.method !== 'GET')
    : undefined;
  return write === undefined ? [main] : [write, main];
}

function failureLines(failure: CheckCaseResult, options: TextOptions): string[] {
  const color = options.color === true;
  const label = failure.status === 'failed' ? paint(color, 31, 'FAIL') : paint(color, 33, 'WARN');
  const lines = [`${label} ${failure.id}  ${failure.name}`];
  lines.push(`  What:     ${failure.message ?? ''}`);
  const row = failure.rows[0];
  if (failure.rfc !== undefined || row !== undefined) {
    const rule = row === undefined ? '' : ` (${row.id}, ${row.level}): ${row.requirement}`;
    const label = failure.status === 'failed' ? 'Breaks: ' : 'Rule:   ';
    lines.push(`  ${label}  ${failure.rfc?.section ?? row?.ref ?? ''}${rule}`);
    if (failure.rfc !== undefined) lines.push(`            ${failure.rfc.url}`);
  }
  if (failure.status === 'warning')
    lines.push(
      '  Note:     not required (the RFC forbids this request; the entra preset accepts it)',
    );
  if (failure.hint !== undefined) lines.push(`  Fix:      ${failure.hint}`);
  // A warning is a request the RFC forbids: its exchanges only with --verbose.
  const shown =
    options.verbose === true
      ? (failure.exchanges ?? [])
      : failure.status === 'failed'
        ? tellingExchanges(failure)
        : [];
  for (const exchange of shown)
    lines.push(...exchangeLines(exchange, options.verbose === true).map((line) => `  ${line}`));
  return lines;
}

/** The whole report as text, ending with the verdict line. */
export function formatReport(report: CheckReport, options: TextOptions = {}): string {
  const color = options.color === true;
  const lines: string[] = [];
  lines.push(`scim check ${report.baseUrl} (profile ${report.profiles.join(', ')})`);
  if (report.fatal !== undefined) {
    lines.push('', `${paint(color, 31, 'ERROR')} ${report.fatal}`);
    return `${lines.join('\n')}\n`;
  }
  const features = Object.entries(report.advertised.features)
    .map(([name, on]) => `${name} ${on ? 'yes' : 'no'}`)
    .join(', ');
  lines.push(`Advertised: ${features}`);
  if (report.advertised.problem !== undefined) lines.push(`  (${report.advertised.problem})`);

  const failures = report.results.filter((r) => r.status === 'failed' || r.status === 'warning');
  for (const failure of failures) lines.push('', ...failureLines(failure, options));

  const skipped = report.results.filter((r) => r.status === 'skipped');
  if (skipped.length > 0) {
    lines.push('', `Skipped (${skipped.length}):`);
    for (const r of skipped) lines.push(`  ${r.id}  ${r.skipReason ?? ''}`);
  }
  const { summary, cleanup } = report;
  lines.push(
    '',
    `Checks:  ${summary.passed} passed, ${summary.failed} failed, ${summary.warnings} warnings, ${summary.skipped} skipped${summary.notRun > 0 ? `, ${summary.notRun} not run` : ''} (${summary.total} in ${(report.durationMs / 1000).toFixed(1)} s)`,
  );
  if (cleanup.skipped)
    lines.push(`Cleanup: kept the ${cleanup.leftover.length} resources created (--keep)`);
  else if (cleanup.leftover.length === 0)
    lines.push(
      `Cleanup: none of the ${cleanup.created} users and groups created is left (${cleanup.deleted} deleted at the end)`,
    );
  else
    lines.push(
      `Cleanup: ${cleanup.leftover.length} of the ${cleanup.created} users and groups created are left:`,
      ...cleanup.leftover.map((left) => `  ${left.url} (${left.problem})`),
    );
  if (report.interrupted) lines.push(paint(color, 33, 'Result:  interrupted'));
  else if (report.ok) lines.push(paint(color, 32, 'Result:  every required check passed'));
  else
    lines.push(
      paint(
        color,
        31,
        `Result:  ${summary.failed} required check${summary.failed === 1 ? '' : 's'} failed`,
      ),
    );
  return `${lines.join('\n')}\n`;
}

// The report as JUnit XML, the format CI systems display: one <testsuite> per profile (rfc, entra,
// okta), one <testcase> per check, <failure> for a failed check (its message, the rule, the fix,
// and the telling exchanges), <skipped> for one not run, and a warning in <system-out>.
import type { CheckCaseResult, CheckReport } from '../types.js';
import { tellingExchanges } from './text.js';

/** Text safe in XML content and attributes: escaped, without the characters XML 1.0 forbids. */
export function escapeXml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex -- the characters XML 1.0 forbids are what is replaced
      .replace(/[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
      .replaceAll('&', '&amp;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;')
      .replaceAll('"', '&quot;')
      .replaceAll("'", '&apos;')
  );
}

function attributes(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([name, value]) => ` ${name}="${escapeXml(String(value))}"`)
    .join('');
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function details(result: CheckCaseResult): string {
  const lines = [result.message ?? ''];
  const row = result.rows[0];
  if (row !== undefined)
    lines.push(
      `Breaks: ${result.rfc?.section ?? row.ref} (${row.id}, ${row.level}): ${row.requirement}`,
    );
  if (result.rfc !== undefined) lines.push(result.rfc.url);
  if (result.hint !== undefined) lines.push(`Fix: ${result.hint}`);
  for (const exchange of tellingExchanges(result)) {
    lines.push(`Request: ${exchange.request.method} ${exchange.request.url}`);
    if (exchange.request.body !== undefined) lines.push(exchange.request.body);
    if (exchange.response === undefined) lines.push(`Response: none (${exchange.error ?? ''})`);
    else {
      const type = exchange.response.headers['content-type'];
      lines.push(`Response: ${exchange.response.status}${type === undefined ? '' : ` (${type})`}`);
      if (exchange.response.body !== undefined) lines.push(exchange.response.body);
    }
  }
  return lines.join('\n');
}

function testcase(result: CheckCaseResult): string {
  const head = `    <testcase${attributes({
    name: `${result.id}: ${result.name}`,
    classname: `scim.check.${result.family}`,
    time: seconds(result.durationMs),
  })}`;
  switch (result.status) {
    case 'passed':
      return `${head}/>`;
    case 'failed':
      return `${head}>\n      <failure${attributes({
        message: result.message ?? '',
        type: result.rfc?.section ?? 'SCIM',
      })}>${escapeXml(details(result))}</failure>\n    </testcase>`;
    case 'warning':
      return `${head}>\n      <system-out>${escapeXml(`Warning (not required): ${details(result)}`)}</system-out>\n    </testcase>`;
    case 'skipped':
    case 'not-run':
      return `${head}>\n      <skipped${attributes({ message: result.skipReason ?? '' })}/>\n    </testcase>`;
  }
}

/**
 * The report as JUnit XML, for CI systems that display test results.
 * @example `await writeFile('scim-check.xml', toJUnitXml(report));`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export function toJUnitXml(report: CheckReport): string {
  const suites = ['rfc', 'entra', 'okta']
    .map((family) => report.results.filter((r) => r.family === family))
    .filter((results) => results.length > 0)
    .map((results) => {
      const family = results[0]?.family ?? 'rfc';
      const count = (...statuses: CheckCaseResult['status'][]) =>
        results.filter((r) => statuses.includes(r.status)).length;
      const properties = [
        ['baseUrl', report.baseUrl],
        ['profiles', report.profiles.join(',')],
        ...Object.entries(report.advertised.features).map(([name, on]) => [
          `advertised.${name}`,
          String(on),
        ]),
      ]
        .map(
          ([name, value]) =>
            `      <property${attributes({ name: name ?? '', value: value ?? '' })}/>`,
        )
        .join('\n');
      return [
        `  <testsuite${attributes({
          name: `scim check ${family}`,
          tests: results.length,
          failures: count('failed'),
          errors: 0,
          skipped: count('skipped', 'not-run'),
          time: seconds(results.reduce((sum, r) => sum + r.durationMs, 0)),
          timestamp: report.startedAt,
        })}>`,
        `    <properties>\n${properties}\n    </properties>`,
        ...results.map(testcase),
        '  </testsuite>',
      ].join('\n');
    });
  const fatal =
    report.fatal === undefined
      ? []
      : [
          `  <testsuite${attributes({ name: 'scim check', tests: 1, failures: 0, errors: 1, skipped: 0 })}>`,
          `    <testcase name="connect" classname="scim.check">\n      <error${attributes({ message: report.fatal })}/>\n    </testcase>`,
          '  </testsuite>',
        ];
  const root = attributes({
    name: 'scim check',
    tests: report.summary.total + (report.fatal === undefined ? 0 : 1),
    failures: report.summary.failed,
    errors: report.fatal === undefined ? 0 : 1,
    skipped: report.summary.skipped + report.summary.notRun,
    time: seconds(report.durationMs),
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites${root}>\n${[...suites, ...fatal].join('\n')}\n</testsuites>\n`;
}

// Progress while `scim check` runs, on stderr: on a terminal one line rewritten in place (counts
// and the check running); in CI or when stderr is not a terminal, one plain line per check, which
// logs keep readable.
import type { CheckProgress } from './types.js';

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export type ProgressMode = 'line' | 'plain' | 'none';

/** `line` on an interactive terminal, `plain` in CI (the CI variable set) or when piped. */
export function progressMode(
  stream: ProgressStream,
  env: Readonly<Record<string, string | undefined>>,
): ProgressMode {
  const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
  return stream.isTTY === true && !ci && env.TERM !== 'dumb' ? 'line' : 'plain';
}

const LABELS = {
  passed: 'pass',
  failed: 'FAIL',
  warning: 'warn',
  skipped: 'skip',
  'not-run': 'stop',
} as const;

export function createProgress(
  stream: ProgressStream,
  mode: ProgressMode,
): (event: CheckProgress) => void {
  const counts = { passed: 0, failed: 0, warning: 0, skipped: 0, 'not-run': 0 };
  let shown = false;
  const line = (text: string) => {
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    stream.write(`\r\u001b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    shown = true;
  };
  const clear = () => {
    if (shown) stream.write('\r\u001b[2K');
    shown = false;
  };
  const tally = (done: number, total: number) =>
    `[${String(done).padStart(String(total).length)}/${total}] ${counts.passed} passed, ${counts.failed} failed${counts.warning > 0 ? `, ${counts.warning} warnings` : ''}, ${counts.skipped} skipped`;

  return (event) => {
    if (mode === 'none') return;
    switch (event.type) {
      case 'start':
        if (mode === 'plain') stream.write(`Running ${event.total} checks\n`);
        return;
      case 'case-start':
        if (mode === 'line') line(`${tally(event.index, event.total)}  ${event.id} ${event.name}`);
        return;
      case 'case-end': {
        const { result } = event;
        counts[result.status] += 1;
        if (mode === 'line') line(tally(event.index + 1, event.total));
        else {
          const why = result.message ?? result.skipReason;
          stream.write(
            `${LABELS[result.status]} ${result.id} ${result.name}${result.status === 'passed' ? ` (${result.durationMs} ms)` : ''}${why === undefined ? '' : `\n     ${why}`}\n`,
          );
        }
        return;
      }
      case 'cleanup-start':
        if (mode === 'line') line(`Deleting the ${event.count} users and groups created…`);
        else stream.write(`Deleting the ${event.count} users and groups created\n`);
        return;
      case 'cleanup-end':
        clear();
        return;
    }
  };
}

/** Erases the progress line, before the report is printed. */
export function endProgress(stream: ProgressStream, mode: ProgressMode): void {
  if (mode === 'line') stream.write('\r\u001b[2K');
}

// What a command touches outside itself, passed in so tests can run commands in process.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { dirname } from 'node:path';
import type { ProgressStream } from './progress.js';

/** Exit codes of every `scim` command. */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130 } as const;

export type Signal = 'SIGINT' | 'SIGTERM';

export interface CliIo {
  readonly stdout: ProgressStream;
  readonly stderr: ProgressStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly version: string;
  /** Calls `handler` on SIGINT and SIGTERM until the returned function is called. */
  readonly onSignal: (handler: (signal: Signal) => void) => () => void;
  /** Ends the process at once (a second Ctrl-C). */
  readonly exit: (code: number) => void;
  readonly writeFile: (path: string, text: string) => Promise<void>;
  /** Reads a file as UTF-8 (the resource commands' --data); default node:fs. */
  readonly readFile?: ((path: string) => Promise<string>) | undefined;
  /** Standard input, read whole; absent means none (as a terminal). */
  readonly stdin?: { readonly isTTY?: boolean; read(): Promise<string> } | undefined;
  /** The fetch requests go through (tests pass an app's). */
  readonly fetch?: ((request: Request) => Promise<Response>) | undefined;
}

export function processIo(version: string): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    version,
    onSignal(handler) {
      const listener = (signal: NodeJS.Signals) => handler(signal as Signal);
      process.on('SIGINT', listener);
      process.on('SIGTERM', listener);
      return () => {
        process.off('SIGINT', listener);
        process.off('SIGTERM', listener);
      };
    },
    exit: (code) => process.exit(code),
    async writeFile(path, content) {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
    },
    readFile: (path) => readFile(path, 'utf8'),
    stdin: { isTTY: process.stdin.isTTY === true, read: () => text(process.stdin) },
  };
}

// Starts an example server as `npm start` does (scripts/run-example.mjs: from source, no build) in a
// child process on a free port, for tests that need the real process: signals, exit codes, sockets.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../../scripts/run-example.mjs', import.meta.url));

export interface ExampleProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly baseUrl: string;
  /** Everything the process printed so far. */
  output(): string;
  /** Resolves when the process exits, with its code (null when a signal killed it). */
  readonly exited: Promise<number | null>;
}

/**
 * Starts `examples/<name>/server.mjs` with SCIM_TOKEN `token` and waits until it listens. The
 * storage is memory unless `env` names a SCIM_DATABASE_URL: never the developer's `data/scim.db`.
 * `cwd` is the working directory, against which a relative `sqlite:` path is resolved.
 */
export async function startExample(
  name: 'express' | 'hono',
  token: string,
  env: Record<string, string> = {},
  cwd: string = process.cwd(),
): Promise<ExampleProcess> {
  const child = spawn(process.execPath, [script, name], {
    cwd,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      SCIM_TOKEN: token,
      SCIM_DATABASE_URL: 'memory:',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let printed = '';
  child.stdout.on('data', (data: Buffer) => (printed += data.toString()));
  child.stderr.on('data', (data: Buffer) => (printed += data.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no endpoint line in 20 s:\n${printed}`)),
      20_000,
    );
    const look = () => {
      const match = /SCIM 2\.0 endpoint: http:\/\/[^\s/]+:(\d+)\//.exec(printed);
      if (match === null) return;
      clearTimeout(timer);
      child.stdout.off('data', look);
      resolve(Number(match[1]));
    };
    child.stdout.on('data', look);
    void exited.then(() => reject(new Error(`exited before listening:\n${printed}`)));
  });
  return {
    child,
    port,
    baseUrl: `http://127.0.0.1:${port}/scim/v2`,
    output: () => printed,
    exited,
  };
}

/**
 * Starts `examples/<name>/server.mjs` with `env` (memory storage, a free port) and waits for it to
 * exit by itself, as it does when a setting cannot work: its exit code and everything it printed.
 * A server that starts listening instead is killed, and the code is then null.
 */
export async function runExampleToExit(
  name: 'express' | 'hono',
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [script, name], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SCIM_DATABASE_URL: 'memory:', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (data: Buffer) => (output += data.toString()));
  child.stderr.on('data', (data: Buffer) => (output += data.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const listening = setInterval(() => {
    if (output.includes('SCIM 2.0 endpoint:')) child.kill('SIGKILL');
  }, 50);
  // 'close', not 'exit': the output is whole only once the pipes have closed.
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  clearTimeout(timer);
  clearInterval(listening);
  return { code, output };
}

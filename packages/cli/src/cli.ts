/**
 * The `scim` command line (bin/scim.mjs runs it): `scim check <base-url>` and the resource commands
 * `get`, `list`, `create`, `replace`, `patch` and `delete`. `main` takes the arguments after `scim`
 * and resolves to the exit code.
 *
 * @example
 * ```sh
 * npx scim check http://127.0.0.1:8080/scim/v2 --token "$SCIM_TOKEN" --junit scim.xml
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 * @packageDocumentation
 */
import { processIo } from './lib/io.js';
import { runMain } from './lib/main.js';
import { VERSION } from './lib/version.js';

/**
 * Runs one `scim` command line in this process (its stdout, stderr and signals) and resolves to the
 * exit code: 0 success, 1 a required check failed or the server answered with an error, 2 a usage
 * error or a server that could not be reached or refused the credentials, 130 interrupted.
 * @example `process.exitCode = await main(process.argv.slice(2));`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export function main(argv: readonly string[]): Promise<number> {
  return runMain(argv, processIo(VERSION));
}

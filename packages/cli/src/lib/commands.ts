// The `scim` commands, as a table: `check` is here; the resource commands (get, list, create,
// patch, delete) plug in below once @scim/client ships, each as a `run` over the client, with
// --filter, --attributes and JSON bodies from a file or stdin. Until then they say so and exit 2.
import { checkCommand, CHECK_HELP } from './check-command.js';
import { EXIT, type CliIo } from './io.js';

export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  /** Absent while the command is not available yet. */
  readonly run?: (argv: readonly string[], io: CliIo) => Promise<number>;
  readonly help?: string;
}

export const COMMANDS: readonly Command[] = [
  {
    name: 'check',
    usage: 'check <base-url>',
    summary: 'Check a server: the RFC rules, and the requests Entra ID and Okta send',
    run: checkCommand,
    help: CHECK_HELP,
  },
  // The resource commands: to be implemented on @scim/client.
  { name: 'get', usage: 'get <base-url> <Type/id>', summary: 'Read one resource' },
  {
    name: 'list',
    usage: 'list <base-url> <Type>',
    summary: 'Query resources (--filter, --attributes)',
  },
  {
    name: 'create',
    usage: 'create <base-url> <Type>',
    summary: 'Create a resource from JSON (file or stdin)',
  },
  {
    name: 'patch',
    usage: 'patch <base-url> <Type/id>',
    summary: 'Apply a PatchOp from JSON (file or stdin)',
  },
  { name: 'delete', usage: 'delete <base-url> <Type/id>', summary: 'Delete a resource' },
];

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.usage.length));
  const lines = COMMANDS.map(
    (command) =>
      `  ${command.usage.padEnd(width)}  ${command.summary}${command.run === undefined ? ' (not yet available)' : ''}`,
  );
  return `scim: work with SCIM 2.0 servers (RFC 7643, RFC 7644)

Usage: scim <command> [options]

Commands:
${lines.join('\n')}

Options:
  -h, --help     This help; scim <command> --help for a command's options
  -v, --version  The version

Exit codes: 0 success; 1 a required check failed; 2 bad arguments, or the server could not be
reached or refused the credentials; 130 interrupted.
`;
}

export async function runCommand(
  name: string,
  argv: readonly string[],
  io: CliIo,
): Promise<number> {
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    io.stderr.write(`scim: unknown command ${JSON.stringify(name)}\n\n${mainHelp()}`);
    return EXIT.usage;
  }
  if (command.run === undefined) {
    io.stderr.write(
      `scim ${command.name}: not yet available; it comes with the @scim/client package. Use scim check for now.\n`,
    );
    return EXIT.usage;
  }
  return command.run(argv, io);
}

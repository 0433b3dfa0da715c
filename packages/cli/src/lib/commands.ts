// The `scim` commands, as a table: `check`, and the resource commands (get, list, create, replace,
// patch, delete), each a `run` over @scim/client with --filter, --attributes and JSON bodies from a
// file or stdin.
import { checkCommand, CHECK_HELP } from './check-command.js';
import { EXIT, type CliIo } from './io.js';
import { RESOURCE_HELP, type ResourceCommandName } from './resources/help.js';
import { resourceCommand } from './resources/run.js';

export interface Command {
  readonly name: string;
  readonly usage: string;
  readonly summary: string;
  readonly run: (argv: readonly string[], io: CliIo) => Promise<number>;
  readonly help: string;
}

function resource(name: ResourceCommandName, usage: string, summary: string): Command {
  return {
    name,
    usage,
    summary,
    run: (argv, io) => resourceCommand(name, argv, io),
    help: RESOURCE_HELP[name],
  };
}

export const COMMANDS: readonly Command[] = [
  {
    name: 'check',
    usage: 'check <base-url>',
    summary: 'Check a server: the RFC rules, and the requests Entra ID and Okta send',
    run: checkCommand,
    help: CHECK_HELP,
  },
  resource('get', 'get <base-url> <type> <id>', 'Read one resource'),
  resource('list', 'list <base-url> <type>', 'Query resources (--filter, --attributes, --all)'),
  resource('create', 'create <base-url> <type>', 'Create a resource from JSON (file or stdin)'),
  resource('replace', 'replace <base-url> <type> <id>', 'Replace a resource (PUT) from JSON'),
  resource('patch', 'patch <base-url> <type> <id>', 'Modify a resource: --op or a PatchOp'),
  resource('delete', 'delete <base-url> <type> <id>', 'Delete a resource'),
];

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.usage.length));
  const lines = COMMANDS.map((command) => `  ${command.usage.padEnd(width)}  ${command.summary}`);
  return `scim: work with SCIM 2.0 servers (RFC 7643, RFC 7644)

Usage: scim <command> [options]

Commands:
${lines.join('\n')}

Options:
  -h, --help     This help; scim <command> --help for a command's options
  -v, --version  The version

Exit codes: 0 success; 1 a required check failed, or the server answered with an error; 2 bad
arguments, or the server could not be reached or refused the credentials; 130 interrupted.
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
  return command.run(argv, io);
}

// The dispatcher behind `main`: help, version, then the command table.
import { mainHelp, runCommand } from './commands.js';
import { EXIT, type CliIo } from './io.js';

export async function runMain(argv: readonly string[], io: CliIo): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic !== undefined) return runCommand(topic, ['--help'], io);
    (first === undefined ? io.stderr : io.stdout).write(mainHelp());
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === '-v' || first === '--version') {
    io.stdout.write(`${io.version}\n`);
    return EXIT.ok;
  }
  if (first.startsWith('-')) {
    io.stderr.write(`scim: unknown option ${first}\n\n${mainHelp()}`);
    return EXIT.usage;
  }
  return runCommand(first, rest, io);
}

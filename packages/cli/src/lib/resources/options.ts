// The arguments of the resource commands: one parseArgs table for all of them, then a check that
// each option given belongs to the command, and the positionals <base-url> <type> [<id>]. A
// `Users/<id>` type stands for the type and the id.
import { parseArgs } from 'node:util';
import { CONNECTION_OPTIONS, readConnection, splitList, type Connection } from '../args.js';
import type { CliIo } from '../io.js';
import type { ResourceCommandName } from './help.js';

export interface ResourceArgs {
  readonly command: ResourceCommandName;
  readonly connection: Connection;
  /** The type as given: a name (`Users`, `User`) or an endpoint (`/Devices`). */
  readonly type: string;
  readonly id: string | undefined;
  readonly attributes: string[] | undefined;
  readonly excludedAttributes: string[] | undefined;
  readonly filter: string | undefined;
  readonly sortBy: string | undefined;
  readonly sortOrder: 'ascending' | 'descending' | undefined;
  readonly count: number | undefined;
  readonly startIndex: number | undefined;
  readonly cursor: string | undefined;
  readonly all: boolean;
  readonly paging: 'cursor' | 'index' | undefined;
  readonly output: 'json' | 'ndjson' | 'id';
  /** Absent: pretty on a terminal, compact when piped. */
  readonly style: 'pretty' | 'compact' | undefined;
  /** A file, or `-` for stdin. */
  readonly data: string | undefined;
  readonly ops: string[];
  readonly ifMatch: string | undefined;
}

const OPTIONS = {
  ...CONNECTION_OPTIONS,
  attributes: { type: 'string', multiple: true },
  'excluded-attributes': { type: 'string', multiple: true },
  filter: { type: 'string' },
  'sort-by': { type: 'string' },
  'sort-order': { type: 'string' },
  count: { type: 'string' },
  'start-index': { type: 'string' },
  cursor: { type: 'string' },
  all: { type: 'boolean' },
  paging: { type: 'string' },
  output: { type: 'string' },
  pretty: { type: 'boolean' },
  compact: { type: 'boolean' },
  data: { type: 'string' },
  op: { type: 'string', multiple: true },
  'if-match': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type OptionName = keyof typeof OPTIONS;

const READ: OptionName[] = ['attributes', 'excluded-attributes', 'output', 'pretty', 'compact'];
const LIST: OptionName[] = [
  ...READ,
  'filter',
  'sort-by',
  'sort-order',
  'count',
  'start-index',
  'cursor',
  'all',
  'paging',
];

/** The options of each command, besides the connection's and --help. */
const ALLOWED: Readonly<Record<ResourceCommandName, readonly OptionName[]>> = {
  get: READ,
  list: LIST,
  create: [...READ, 'data'],
  replace: [...READ, 'data', 'if-match'],
  patch: [...READ, 'data', 'op', 'if-match'],
  delete: ['if-match'],
};

/** Whether the command's last positional is the id: required, optional (replace) or absent. */
const ID: Readonly<Record<ResourceCommandName, 'required' | 'optional' | 'none'>> = {
  get: 'required',
  list: 'none',
  create: 'none',
  replace: 'optional',
  patch: 'required',
  delete: 'required',
};

function positiveInteger(name: string, value: string | undefined, min: number) {
  if (value === undefined) return undefined;
  const number = Number(value);
  return Number.isInteger(number) && number >= min && value.trim() !== ''
    ? number
    : { error: `--${name} ${value}: expected a whole number of at least ${min}` };
}

/** The arguments, `help`, or the message of a usage error. */
export function parseResourceArgs(
  command: ResourceCommandName,
  argv: readonly string[],
  env: CliIo['env'],
): ResourceArgs | 'help' | { error: string } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: OPTIONS });
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  const { values, positionals } = parsed;
  if (values.help === true) return 'help';
  const allowed = new Set<string>([...ALLOWED[command], 'token', 'header', 'timeout', 'help']);
  const foreign = Object.keys(values).find((name) => !allowed.has(name));
  if (foreign !== undefined) return { error: `--${foreign} is not an option of scim ${command}` };

  const [baseUrl, given, ...rest] = positionals;
  if (baseUrl === undefined)
    return { error: 'the base URL is missing, such as http://127.0.0.1:8080/scim/v2' };
  if (given === undefined || given === '' || given === '/')
    return { error: 'the resource type is missing: Users, Groups or an endpoint such as /Devices' };
  let type = given;
  let id = rest[0];
  // `Users/<id>` (or `/Users/<id>`) names both, where an id is expected and none follows.
  const slash = given.indexOf('/', 1);
  if (ID[command] !== 'none' && id === undefined && slash > 0) {
    type = given.slice(0, slash);
    id = decodeURIComponent(given.slice(slash + 1));
  }
  const expected = ID[command] === 'none' ? 0 : 1;
  const extra = rest.slice(type === given ? expected : 0);
  if (extra.length > 0) return { error: `unexpected argument ${extra.join(' ')}` };
  if (ID[command] === 'required' && (id === undefined || id === ''))
    return { error: `the id is missing: scim ${command} <base-url> ${type} <id>` };

  const connection = readConnection(baseUrl, values, env);
  if ('error' in connection) return connection;
  const count = positiveInteger('count', values.count, 0);
  if (typeof count === 'object') return count;
  const startIndex = positiveInteger('start-index', values['start-index'], 1);
  if (typeof startIndex === 'object') return startIndex;
  const sortOrder = values['sort-order'];
  if (sortOrder !== undefined && sortOrder !== 'ascending' && sortOrder !== 'descending')
    return { error: `--sort-order ${sortOrder}: use ascending or descending` };
  const paging = values.paging;
  if (paging !== undefined && paging !== 'cursor' && paging !== 'index')
    return { error: `--paging ${paging}: use cursor or index` };
  if (paging !== undefined && values.all !== true) return { error: '--paging needs --all' };
  if (values.all === true && values.cursor !== undefined)
    return { error: '--all starts at the first page; use --paging cursor instead of --cursor' };
  const output = values.output ?? 'json';
  const formats = command === 'list' ? ['json', 'ndjson', 'id'] : ['json', 'id'];
  if (!formats.includes(output))
    return { error: `--output ${output}: use ${formats.join(' or ')}` };
  if (values.pretty === true && values.compact === true)
    return { error: '--pretty and --compact exclude each other' };
  const ops = values.op ?? [];
  if (ops.length > 0 && values.data !== undefined)
    return { error: 'give the operations either as --op or as --data, not both' };

  return {
    command,
    connection,
    type,
    id,
    attributes: values.attributes === undefined ? undefined : splitList(values.attributes),
    excludedAttributes:
      values['excluded-attributes'] === undefined
        ? undefined
        : splitList(values['excluded-attributes']),
    filter: values.filter,
    sortBy: values['sort-by'],
    sortOrder,
    count,
    startIndex,
    cursor: values.cursor,
    all: values.all === true,
    paging,
    output: output as ResourceArgs['output'],
    style: values.pretty === true ? 'pretty' : values.compact === true ? 'compact' : undefined,
    data: values.data,
    ops,
    ifMatch: values['if-match'],
  };
}

// The --help text of each resource command. Every example here works as copied against the example
// server started with `SCIM_TOKEN=change-me npm start` (export SCIM_TOKEN=change-me first).
import { CONNECTION_HELP } from '../args.js';

export type ResourceCommandName = 'get' | 'list' | 'create' | 'replace' | 'patch' | 'delete';

const OUTPUT_HELP = `  --attributes <a,b>     Only these attributes (and id, schemas, meta) come back
  --excluded-attributes <a,b>
                         These attributes do not come back
  --pretty | --compact   Indented JSON (the default on a terminal) or one line (when piped)`;

const ID_HELP = `  --output <format>      json (default), or id: only the resource's id, for scripts`;

const TYPE_HELP = `<type> is Users, Groups, another resource type's name or its endpoint (/Devices).`;

const EXIT_HELP = `Exit codes: 0 done; 1 the server answered with an error (its status, scimType and detail are
on stderr); 2 bad arguments, or the server could not be reached or refused the credentials.`;

function help(usage: string, what: string, options: string, example: string): string {
  return `Usage: scim ${usage}

${what}
${TYPE_HELP}

Options:
${options}
${CONNECTION_HELP}
  -h, --help             This help

${EXIT_HELP}

Example:
  ${example}
`;
}

const BASE = 'http://127.0.0.1:8080/scim/v2';

export const RESOURCE_HELP: Readonly<Record<ResourceCommandName, string>> = {
  get: help(
    'get <base-url> <type> <id> [options]',
    'Reads one resource (GET <type>/<id>, RFC 7644 §3.4.1) and prints it as JSON.',
    `${ID_HELP}\n${OUTPUT_HELP}`,
    `scim get ${BASE} Users 2819c223-7f76-453a-919d-413861904646 --attributes userName,active`,
  ),
  list: help(
    'list <base-url> <type> [options]',
    `Queries resources (GET <type>, RFC 7644 §3.4.2) and prints the server's ListResponse as JSON;
with --all, every page (by RFC 9865 cursor when the server advertises cursors, else by index) as
one ListResponse, or with --output ndjson one resource per line as the pages come.`,
    `  --filter <filter>      A SCIM filter, such as 'userName sw "bj" and active eq true'
  --sort-by <attribute>  Sort by this attribute
  --sort-order <order>   ascending or descending
  --count <n>            Resources per page
  --start-index <n>      The first resource's 1-based index
  --cursor <cursor>      The page at this cursor (RFC 9865); '' (--cursor=) for the first page
  --all                  Every page, not only the first
  --paging <mode>        With --all: cursor or index (default: cursor when advertised)
  --output <format>      json (default), ndjson (one resource per line) or id (one id per line)
${OUTPUT_HELP}`,
    `scim list ${BASE} Users --filter 'userName sw "b"' --attributes userName,active`,
  ),
  create: help(
    'create <base-url> <type> [--data <file>|-] [options]',
    `Creates a resource (POST <type>, RFC 7644 §3.3) from JSON in a file, or on stdin (--data -, or
when stdin is not a terminal), sent as it is, and prints what the server created.`,
    `  --data <file>|-        The resource as JSON; - reads stdin
${ID_HELP}
${OUTPUT_HELP}`,
    `echo '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen"}' | scim create ${BASE} Users`,
  ),
  replace: help(
    'replace <base-url> <type> [<id>] --data <file>|- [options]',
    `Replaces a resource (PUT <type>/<id>, RFC 7644 §3.5.1) with JSON from a file or stdin; the id
defaults to the JSON's "id".`,
    `  --data <file>|-        The whole resource as JSON; - reads stdin
  --if-match <etag>      Only if the resource is still at this version (else 412)
${ID_HELP}
${OUTPUT_HELP}`,
    `scim get ${BASE} Users <id> > user.json && scim replace ${BASE} Users --data user.json`,
  ),
  patch: help(
    'patch <base-url> <type> <id> (--op <op> ... | --data <file>|-) [options]',
    `Modifies a resource (PATCH <type>/<id>, RFC 7644 §3.5.2): operations given as --op, or a PatchOp
message (or a bare list of operations) as JSON from a file or stdin. Prints the resource when the
server returns it (nothing on 204).`,
    `  --op <op:path=value>   An operation: add, replace or remove, a path (empty for none), and
                         for add and replace a value, read as JSON when it is JSON, else as
                         text: replace:active=false, add:emails=[{"value":"b@example.com"}],
                         remove:members[value eq "2819c223"]; repeatable, in order
  --data <file>|-        The PatchOp message or its Operations list as JSON; - reads stdin
  --if-match <etag>      Only if the resource is still at this version (else 412)
${ID_HELP}
${OUTPUT_HELP}`,
    `scim patch ${BASE} Users <id> --op replace:active=false`,
  ),
  delete: help(
    'delete <base-url> <type> <id> [options]',
    'Deletes a resource (DELETE <type>/<id>, RFC 7644 §3.6). Prints nothing.',
    `  --if-match <etag>      Only if the resource is still at this version (else 412)`,
    `scim delete ${BASE} Users <id>`,
  ),
};

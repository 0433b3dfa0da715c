// `scim get|list|create|replace|patch|delete`: each parses its arguments, makes a @scim/client
// client (the token as a bearer, --header, --timeout, retries on 429 and 503), sends one request
// (or, for list --all, walks every page with the client's paging) and prints what the server
// answered. Bodies go out as the user wrote them: the commands add nothing, not even `schemas`.
import { createScimClient, type ScimClient, type ScimResponse } from '@scim/client';
import { isJsonObject, LIST_RESPONSE_URN } from '@scim/core';
import { EXIT, type CliIo } from '../io.js';
import { SECRET_HEADER } from '../redact.js';
import { RESOURCE_HELP, type ResourceCommandName } from './help.js';
import { opsToPatch, readJsonInput, toPatchBody } from './input.js';
import { parseResourceArgs, type ResourceArgs } from './options.js';
import { createOutput, reportFailure, type Output } from './output.js';

/** `Users`, `users`, `User` and `/Users` are the same endpoint; other names are taken as written. */
const KNOWN: Readonly<Record<string, string>> = {
  users: 'Users',
  user: 'User',
  groups: 'Groups',
  group: 'Group',
};

interface Context {
  readonly args: ResourceArgs;
  readonly client: ScimClient;
  readonly endpoint: string;
  readonly output: Output;
  readonly signal: AbortSignal;
  readonly io: CliIo;
}

function resourcePath({ endpoint, args }: Context): string {
  return `${endpoint}/${encodeURIComponent(args.id ?? '')}`;
}

function projection(args: ResourceArgs): Record<string, string | undefined> {
  return {
    attributes: args.attributes?.join(','),
    excludedAttributes: args.excludedAttributes?.join(','),
  };
}

function ifMatch(args: ResourceArgs): Record<string, string> {
  return args.ifMatch === undefined ? {} : { 'if-match': args.ifMatch };
}

/** Prints a resource answer: the JSON, its id, or nothing for an empty answer (204). */
function printResource(context: Context, answer: ScimResponse): void {
  if (answer.body === undefined) return;
  if (context.args.output === 'id') {
    const id = isJsonObject(answer.body) ? answer.body.id : undefined;
    context.output.text(typeof id === 'string' ? id : '');
  } else context.output.json(answer.body);
}

async function list(context: Context): Promise<void> {
  const { args, client, endpoint, output, signal } = context;
  const print = (resource: unknown) => {
    if (args.output === 'ndjson') output.line(resource);
    else if (args.output === 'id')
      output.text(isJsonObject(resource) && typeof resource.id === 'string' ? resource.id : '');
  };
  if (!args.all) {
    const answer = await client.request('GET', endpoint, {
      signal,
      query: {
        filter: args.filter,
        ...projection(args),
        sortBy: args.sortBy,
        sortOrder: args.sortOrder,
        startIndex: args.startIndex,
        count: args.count,
        cursor: args.cursor,
      },
    });
    if (args.output === 'json') output.json(answer.body);
    else {
      const resources = isJsonObject(answer.body) ? answer.body.Resources : undefined;
      for (const resource of Array.isArray(resources) ? resources : []) print(resource);
    }
    return;
  }
  const pages = client
    .resource(endpoint)
    .list({
      filter: args.filter,
      attributes: args.attributes,
      excludedAttributes: args.excludedAttributes,
      sortBy: args.sortBy,
      sortOrder: args.sortOrder,
      pageSize: args.count,
      startIndex: args.startIndex,
      paging: args.paging,
      signal,
    })
    .pages();
  const all: unknown[] = [];
  for await (const page of pages) {
    if (args.output === 'json') all.push(...page.resources);
    else for (const resource of page.resources) print(resource);
  }
  if (args.output === 'json')
    output.json({
      schemas: [LIST_RESPONSE_URN],
      totalResults: all.length,
      itemsPerPage: all.length,
      startIndex: 1,
      Resources: all,
    });
}

/** The JSON to send, or the exit code of a usage error. */
async function body(context: Context): Promise<unknown> {
  const { args, io, output } = context;
  if (args.command === 'patch' && args.ops.length > 0) {
    const built = opsToPatch(args.ops);
    if ('error' in built) return usage(output, args.command, built.error);
    return built.value;
  }
  const input = await readJsonInput(args.data, io, true);
  if (input === undefined)
    return usage(
      output,
      args.command,
      args.command === 'patch'
        ? 'no operations: give --op, or --data <file> (or pipe the PatchOp JSON in)'
        : 'no JSON given: pass --data <file>, or pipe the JSON in (--data -)',
    );
  if ('error' in input) return usage(output, args.command, input.error);
  return args.command === 'patch' ? toPatchBody(input.value) : input.value;
}

class Usage {
  constructor(readonly code: number) {}
}

function usage(output: Output, command: ResourceCommandName, message: string): Usage {
  output.error(`${message}\n  (scim ${command} --help for the options)`);
  return new Usage(EXIT.usage);
}

async function run(context: Context): Promise<number> {
  const { args, client, endpoint, signal } = context;
  const query = projection(args);
  const headers = ifMatch(args);
  let sent: unknown;
  try {
    switch (args.command) {
      case 'get':
        printResource(
          context,
          await client.request('GET', resourcePath(context), { signal, query }),
        );
        return EXIT.ok;
      case 'list':
        await list(context);
        return EXIT.ok;
      case 'delete':
        await client.request('DELETE', resourcePath(context), { signal, headers });
        if (context.io.stderr.isTTY === true)
          context.output.error(`deleted ${resourcePath(context)}`);
        return EXIT.ok;
      default: {
        sent = await body(context);
        if (sent instanceof Usage) return sent.code;
        let path = endpoint;
        if (args.command !== 'create') {
          const id = args.id ?? (isJsonObject(sent) ? sent.id : undefined);
          if (typeof id !== 'string' || id === '')
            return usage(
              context.output,
              args.command,
              'the id is missing: give it after the type, or as the JSON\'s "id"',
            ).code;
          path = `${endpoint}/${encodeURIComponent(id)}`;
        }
        const method = { create: 'POST', replace: 'PUT', patch: 'PATCH' }[args.command];
        const answer = await client.request(method, path, { signal, query, headers, body: sent });
        printResource(context, answer);
        return EXIT.ok;
      }
    }
  } catch (error) {
    return reportFailure(error, { args, body: sent }, context.output);
  }
}

/** Runs one resource command and resolves to its exit code. */
export async function resourceCommand(
  command: ResourceCommandName,
  argv: readonly string[],
  io: CliIo,
): Promise<number> {
  const args = parseResourceArgs(command, argv, io.env);
  if (args === 'help') {
    io.stdout.write(RESOURCE_HELP[command]);
    return EXIT.ok;
  }
  if ('error' in args) {
    io.stderr.write(`scim ${command}: ${args.error}\n\n${RESOURCE_HELP[command]}`);
    return EXIT.usage;
  }
  const { connection } = args;
  const secrets = [
    connection.token ?? '',
    ...Object.entries(connection.headers)
      .filter(([name]) => SECRET_HEADER.test(name))
      .map(([, value]) => value),
  ];
  const output = createOutput(args, io, secrets);
  const fetch = io.fetch;
  const client = createScimClient({
    baseUrl: connection.baseUrl,
    ...(connection.token === undefined ? {} : { auth: { bearer: connection.token } }),
    headers: connection.headers,
    timeoutMs: connection.timeoutMs,
    ...(fetch === undefined ? {} : { fetch: (input, init) => fetch(new Request(input, init)) }),
  });
  const known = KNOWN[args.type.toLowerCase()];
  const endpoint = client.resource(known ?? args.type).endpoint;
  const controller = new AbortController();
  const unsubscribe = io.onSignal(() => controller.abort());
  try {
    return await run({ args, client, endpoint, output, signal: controller.signal, io });
  } finally {
    unsubscribe();
  }
}

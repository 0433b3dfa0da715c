// The client's test bench: the real @scim/server in process (its fetch called directly), a
// recorder of what the client sends, and a scripted fetch for answers a real server won't give.
import { ScimError, SCIM_MEDIA_TYPE } from '@scim/core';
import { createScimHandler, type ScimHandlerOptions } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { createScimClient, type ScimClient, type ScimClientOptions } from '../src/index.js';

export const BASE = 'https://scim.example.com/scim/v2';
export const TOKEN = 'secret-token';

/** A request as the server received it. */
export interface Sent {
  readonly method: string;
  readonly url: string;
  readonly path: string;
  readonly headers: Headers;
  readonly body: unknown;
}

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/** Wraps a fetch so that every request is recorded, its body parsed. */
export function recording(inner: (request: Request) => Promise<Response>): {
  fetch: Fetch;
  sent: Sent[];
} {
  const sent: Sent[] = [];
  const fetch: Fetch = async (input, init) => {
    const request = new Request(input, init);
    const text = await request.clone().text();
    const url = new URL(request.url);
    sent.push({
      method: request.method,
      url: request.url,
      path: `${url.pathname.replace('/scim/v2', '')}${url.search}`,
      headers: request.headers,
      body: parseBody(text),
    });
    return inner(request);
  };
  return { fetch, sent };
}

/** A JSON body parsed; any other text (a token request's form) as it is. */
function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The real server in process, and a client talking to it. */
export function inProcess(
  clientOptions: Partial<ScimClientOptions> = {},
  serverOptions: { [K in keyof ScimHandlerOptions]?: ScimHandlerOptions[K] | undefined } = {},
): { client: ScimClient; sent: Sent[]; server: ReturnType<typeof createScimHandler> } {
  const server = createScimHandler({
    ...createMemoryStorage(),
    hashPassword: (password) => Promise.resolve(`test-hash:${password.length}`),
    authenticate: (request) => {
      if (request.headers.get('authorization') !== `Bearer ${TOKEN}`)
        throw ScimError.unauthorized('A valid bearer token is required');
      return { principal: 'client-tests' };
    },
    ...serverOptions,
  } as ScimHandlerOptions);
  const { fetch, sent } = recording((request) => server.fetch(request));
  const client = createScimClient({
    baseUrl: BASE,
    fetch,
    auth: { bearer: TOKEN },
    retry: { sleep: () => Promise.resolve() },
    ...clientOptions,
  });
  return { client, sent, server };
}

/** A scripted answer: a status, a JSON body (or text) and headers. */
export interface Scripted {
  readonly status: number;
  readonly body?: unknown;
  readonly text?: string;
  readonly headers?: Record<string, string>;
}

export function answer(reply: Scripted): Response {
  const text = reply.text ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
  return new Response(reply.status === 204 ? null : text, {
    status: reply.status,
    headers: { 'content-type': SCIM_MEDIA_TYPE, ...reply.headers },
  });
}

/**
 * A fetch that answers from a script, in order; a function in the script sees the request. Past
 * the end it fails the test.
 */
export function scripted(
  script: readonly (Scripted | ((request: Request) => Scripted | Promise<Scripted>))[],
) {
  let index = 0;
  return recording(async (request) => {
    const step = script[index++];
    if (step === undefined) throw new Error(`unexpected request ${request.method} ${request.url}`);
    return answer(typeof step === 'function' ? await step(request) : step);
  });
}

export const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** A ListResponse body. */
export function listBody(
  resources: readonly Record<string, unknown>[],
  extra: Record<string, unknown> = {},
) {
  return { schemas: [LIST], Resources: resources, itemsPerPage: resources.length, ...extra };
}

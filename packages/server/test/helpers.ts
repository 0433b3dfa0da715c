import { ScimError, SCIM_MEDIA_TYPE } from '@scim/core';
import { createScimHandler, type ScimHandlerOptions } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { bj } from '../../../test/fixtures/checklist.js';

export const BASE = 'https://app.example.com/scim/v2';
export const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const EU = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const ERR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const PO = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LR = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const SR = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export { bj };

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown> & { Resources?: Record<string, unknown>[] };
  readonly text: string;
}

/** Handler options where `undefined` means "the handler's own default" (hashPassword, for one). */
type TestOptions = { [K in keyof ScimHandlerOptions]?: ScimHandlerOptions[K] | undefined };

export function server(options: TestOptions = {}) {
  const handler = createScimHandler({
    stores: { User: createMemoryStore(), Group: createMemoryStore() },
    // Fast and still not the cleartext, so tests stay quick.
    hashPassword: (password) => Promise.resolve(`test-hash:${password.length}`),
    authenticate: (request) => {
      if (request.headers.get('authorization') !== 'Bearer secret')
        throw ScimError.unauthorized('A valid bearer token is required');
      return { principal: 'test-client' };
    },
    ...options,
  } as ScimHandlerOptions);
  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const init: RequestInit = { method, headers: { authorization: 'Bearer secret', ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= SCIM_MEDIA_TYPE;
    }
    return toReply(
      await handler.fetch(new Request(path.startsWith('http') ? path : `${BASE}${path}`, init)),
    );
  }
  return { handler, call };
}

/** A response read whole, its JSON body parsed. */
export async function toReply(response: Response): Promise<Reply> {
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === '' ? {} : (JSON.parse(text) as Reply['body']),
    text,
  };
}

export function expectError(reply: Reply, status: number, scimType?: string): void {
  if (reply.status !== status || reply.body.scimType !== scimType) {
    throw new Error(`expected ${status} ${scimType ?? ''}, got ${reply.status} ${reply.text}`);
  }
  if (reply.headers.get('content-type') !== SCIM_MEDIA_TYPE)
    throw new Error('error without the SCIM media type');
  if (reply.body.status !== String(status) || (reply.body.schemas as string[])[0] !== ERR)
    throw new Error(`bad error body ${reply.text}`);
}

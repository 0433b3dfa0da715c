// The one place an unexpected throwable becomes a 500: its details go to onError, never to the client.
import { ScimError, toScimError } from '@scim/core';
import type { Engine } from './engine.js';

/**
 * What the client is told about an error: a ScimError as thrown, anything else a generic 500 whose
 * detail names the request id. Used for a whole request and for each operation of a bulk request.
 */
export function clientError(
  engine: Engine,
  error: unknown,
  request: Request,
  requestId: string,
): ScimError {
  const scimError = toScimError(error);
  // 501 is a deliberate answer (a feature switched off); everything else from 500 up is worth a
  // look, except a store giving up because the client went away: nobody is waiting for that answer.
  if (scimError.status < 500 || scimError.status === 501) return scimError;
  if (!request.signal.aborted) engine.onError(error, request, { requestId });
  // The id in the detail lets the client's log (Entra's, Okta's) be matched to the server's.
  return new ScimError({
    status: scimError.status,
    ...(scimError.scimType === undefined ? {} : { scimType: scimError.scimType }),
    detail: `${scimError.detail ?? ''} Request id: ${requestId}.`.trim(),
    headers: scimError.headers,
  });
}

// Who may ask: transport security, then the caller, settled once per request (a bulk request's
// operations act as its caller and are not authenticated again).
import { ScimError } from '@scim/core';
import type { Engine } from './engine.js';
import type { Authentication } from './options.js';

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * SCIM only over TLS (RFC 7644 §7.2, checklist P-SEC-01), loopback excepted for development. A
 * configured `baseUrl` is the endpoint's public address and decides, whatever the Host header says.
 */
export function checkTransport(engine: Engine, request: Request, url: URL): void {
  const transport = engine.transport;
  if (transport.allowInsecureHttp) return;
  const publicUrl = engine.publicUrl ?? url;
  if (publicUrl.protocol === 'https:' || LOOPBACK.test(publicUrl.hostname)) return;
  if (engine.publicUrl === undefined && transport.trustForwardedProto) {
    const forwarded = request.headers.get('x-forwarded-proto')?.split(',')[0]?.trim();
    if (forwarded?.toLowerCase() === 'https') return;
  }
  throw ScimError.forbidden(
    'SCIM requires HTTPS (RFC 7644 §7.2); this request came over plain HTTP',
  );
}

/** The caller, as `authenticate` decides; discovery is public unless `authenticateDiscovery`. */
export async function authenticate(
  engine: Engine,
  request: Request,
  isDiscovery: boolean,
): Promise<Authentication | undefined> {
  if (engine.authenticate === undefined) return undefined;
  if (isDiscovery && !engine.authenticateDiscovery) return undefined;
  return engine.authenticate(request);
}

// @ts-check
// The bearer tokens a server of this example accepts, from its variables: server.mjs (the SCIM
// endpoint) and receiver.mjs (the read-only replica) read them alike.
import { randomBytes } from 'node:crypto';
import { hashBearerToken } from '@scim/server';

/**
 * The digests of the tokens accepted: SCIM_TOKEN_SHA256 (comma-separated), else SCIM_TOKEN's. With
 * neither, a random token for this run only, printed once: never a fixed default.
 * @param {Readonly<Record<string, string | undefined>>} env
 * @param {(line: string) => void} [log]
 */
export async function acceptedTokens(env, log = console.log) {
  const digests = env.SCIM_TOKEN_SHA256?.split(',').map((digest) => digest.trim());
  if (digests !== undefined && digests.some((digest) => digest !== '')) return digests;
  let token = env.SCIM_TOKEN ?? '';
  if (token === '') {
    token = randomBytes(24).toString('base64url');
    log(`SCIM_TOKEN is not set; this run accepts the bearer token:\n  ${token}`);
  }
  return [await hashBearerToken(token)];
}

// What never leaves the `scim` command in clear: password values (RFC 7643 §7: returned "never"),
// in any body it prints or records, and the secrets it was given (the token, secret headers).

export const REDACTED = '[redacted]';

/** Headers whose values are secrets, by name. */
export const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|api-?key/i;

/** Replaces password values (and PATCH values whose path is a password) in a JSON value. */
export function redactJson(value: unknown, key = ''): unknown {
  if (/^password$/i.test(key) && value !== null && value !== undefined) return REDACTED;
  if (Array.isArray(value)) return value.map((item) => redactJson(item));
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  const passwordPath = typeof object.path === 'string' && /password/i.test(object.path);
  return Object.fromEntries(
    Object.entries(object).map(([name, inner]) => [
      name,
      passwordPath && name === 'value' ? REDACTED : redactJson(inner, name),
    ]),
  );
}

/** Replaces each secret (of four characters or more) wherever it appears in a text. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.replaceAll(secret, REDACTED);
  return out;
}

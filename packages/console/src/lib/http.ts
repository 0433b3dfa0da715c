// The console's responses: never cached, never framed, scripts only from its own routes.

const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // Not no-referrer: under it a browser sends `Origin: null` with the console's own form posts.
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export function respond(
  body: string | null,
  status: number,
  contentType: string | undefined,
  extra: Readonly<Record<string, string>> = {},
): Response {
  const headers = new Headers(SECURITY_HEADERS);
  if (contentType !== undefined) headers.set('content-type', contentType);
  for (const [name, value] of Object.entries(extra)) headers.append(name, value);
  return new Response(body, { status, headers });
}

export function json(
  body: unknown,
  status = 200,
  extra?: Readonly<Record<string, string>>,
): Response {
  return respond(JSON.stringify(body), status, 'application/json; charset=utf-8', extra);
}

export function problem(
  status: number,
  detail: string,
  extra?: Readonly<Record<string, string>>,
): Response {
  return json({ status, detail }, status, extra);
}

export function redirect(location: string, extra: Readonly<Record<string, string>> = {}): Response {
  return respond(null, 303, undefined, { location, ...extra });
}

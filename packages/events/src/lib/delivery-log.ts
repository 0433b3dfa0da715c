// What the delivery log may say about a failed attempt. The queue's `lastError` is read by operators
// and by the stream's owner, and may be stored far from the logs, so it names what happened in the
// transmitter's words and keeps of the receiver's answer only its RFC 8935 `err` code and a short
// description, with every secret of the stream and anything shaped like a credential, a URL query,
// an e-mail address or a long number taken out. The poll endpoint masks a receiver's `setErrs` text
// with the same function, so both logs hide the same things.
import type { PushResult } from './push-transport.js';
import type { EventStream } from './streams.js';
import { toLogText } from './vetted-exchange.js';

/** Receiver-written text (an RFC 8935 `description`) kept in the log is cut to this length. */
const MAX_DESCRIPTION_CHARS = 200;

const REDACTED = '[redacted]';

/**
 * The log line of a failed attempt, masked: the refusal (`err` and a short description), the
 * refused URL's reason, or the failure and, once out of attempts, how many were made.
 * @example `toDeliveryError({ outcome: 'rejected', status: 400, err: 'invalid_audience', description: '' }, { attempts: 1, retried: false, stream })`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.3
 */
export function toDeliveryError(
  outcome: Exclude<PushResult, { outcome: 'delivered' }>,
  context: { readonly attempts: number; readonly retried: boolean; readonly stream: EventStream },
): string {
  return maskSecrets(describe(outcome, context), context.stream);
}

function describe(
  outcome: Exclude<PushResult, { outcome: 'delivered' }>,
  { attempts, retried }: { readonly attempts: number; readonly retried: boolean },
): string {
  switch (outcome.outcome) {
    case 'rejected': {
      const description = toLogText(outcome.description);
      const shown =
        description.length > MAX_DESCRIPTION_CHARS
          ? `${description.slice(0, MAX_DESCRIPTION_CHARS)}…`
          : description;
      return `rejected by the receiver (400 ${toLogText(outcome.err)})${shown === '' ? '' : `: ${shown}`}`;
    }
    case 'refused-url':
      return `the receiver URL was refused (${outcome.code}): ${outcome.reason}`;
    case 'retry':
      return retried ? outcome.reason : `${outcome.reason}; gave up after ${attempts} attempts`;
  }
}

/**
 * Removes the stream's own secrets (bearer token, client secret, webhook secrets), anything shaped
 * like a bearer or basic credential or a JWT, URL query strings and fragments (tokens travel there),
 * and personal data a receiver may echo back: e-mail addresses and long numbers (phone or account
 * numbers). Private to the package: the deliverer's and the poll endpoint's logs share it.
 * @example `maskSecrets('denied: Bearer abcdefgh1234 at https://rx.example/e?k=1', stream) // 'denied: Bearer [redacted] at https://rx.example/e'`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.3
 */
export function maskSecrets(text: string, stream: EventStream): string {
  let masked = text;
  for (const secret of secretsOf(stream))
    if (secret.length >= 4) masked = masked.split(secret).join(REDACTED);
  return masked
    .replace(/\b(Bearer|Basic)\s+[\w.~+/-]{8,}=*/gi, `$1 ${REDACTED}`)
    .replace(/\beyJ[\w-]*\.[\w-]*\.[\w-]*/g, REDACTED)
    .replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#]*)[?#]\S*/gi, '$1')
    .replace(/[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(\.[\w-]+)+/g, '[email]')
    .replace(/\d{9,}/g, '[number]');
}

function secretsOf(stream: EventStream): string[] {
  const { delivery } = stream;
  if (delivery.method === 'webhook') return [...delivery.secrets];
  if (delivery.method !== 'push' || delivery.authorization === undefined) return [];
  const { authorization } = delivery;
  return authorization.kind === 'bearer' ? [authorization.token] : [authorization.clientSecret];
}

/**
 * Whether a URL's host is this machine (`localhost`, 127.0.0.0/8, `::1`), where plain http never
 * leaves it: the only place an operator's stream may skip TLS.
 * @example `isLoopback('http://127.0.0.1:8080/events') // true`
 * @see https://www.rfc-editor.org/rfc/rfc6761#section-6.3
 */
export function isLoopback(url: string): boolean {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.toLowerCase();
  } catch {
    return false;
  }
  return (
    hostname === 'localhost' ||
    hostname.endsWith('.localhost') ||
    hostname === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

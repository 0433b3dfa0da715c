// The Retry buttons' routes. An outbox's or a stream queue's `retry` answers only true or false, and
// the operator needs to know why it was false: the event was retried by someone else meanwhile, was
// delivered, is gone, or (for a SET) replaying it would undo a newer change at the receiver. So a
// refusal looks the entry up once and says which, with 404 when it is unknown and 409 when its state
// forbids the retry. The detail is written here, from the entry's state alone: no store message, id
// or payload reaches the page.
import { json, problem } from './http.js';
import type { ResolvedOptions } from './options.js';

const RETRIED = { retried: true };

/** `POST /api/outbox/{id}/retry`: a dead lifecycle event made pending again, or why not. */
export async function retryOutboxEvent(options: ResolvedOptions, id: string): Promise<Response> {
  const outbox = options.outbox;
  if (outbox === undefined) return problem(404, 'No outbox is configured');
  if (await outbox.retry(id)) return json(RETRIED);
  // By its id: the outbox may hold every event ever recorded. An outbox that ignores `id` lists
  // more, and the one asked for is found among them all the same.
  const entry = (await outbox.list({ id })).find((one) => one.event.id === id);
  if (entry === undefined) return problem(404, 'No event of this id is in the outbox');
  return problem(
    409,
    notDead(entry.state, 'event') ??
      // Dead and refused all the same: another retry won a race, or the store declined it.
      'The outbox did not queue this dead event again; refresh and try once more',
  );
}

/** `POST /api/deliveries/{streamId}/{jti}/retry`: a dead SET queued again, or why not. */
export async function retryDelivery(
  options: ResolvedOptions,
  streamId: string,
  jti: string,
): Promise<Response> {
  const deliveries = options.deliveries;
  if (deliveries === undefined) return problem(404, 'No event stream is configured');
  if (await deliveries.retry(streamId, jti)) return json(RETRIED);
  const entry = (await deliveries.list()).find(
    (one) => one.streamId === streamId && one.jti === jti,
  );
  if (entry === undefined) return problem(404, 'No delivery of this stream has this id');
  return problem(
    409,
    notDead(entry.state, 'SET') ??
      // A `SetQueue` refuses a dead SET only when a newer SET of its subject was delivered: an
      // `activate` replayed after the `deactivate` would re-enable a leaver at the receiver.
      'Replay refused: a newer SET of the same subject was delivered already, and replaying this ' +
        'older one would undo that change at the receiver',
  );
}

/** Why an entry that is not dead cannot be retried; undefined for a dead one. */
function notDead(state: string, what: 'event' | 'SET'): string | undefined {
  if (state === 'dead') return undefined;
  if (state === 'pending')
    return `This ${what} is pending again, not dead: it was retried already and waits for its next delivery attempt`;
  if (state === 'delivered')
    return `This ${what} was delivered already: only a dead ${what} can be retried`;
  // A state this console does not know is not echoed: it came from the store, not from us.
  return `This ${what} is not dead: only a dead ${what} can be retried`;
}

/** A path segment decoded, or undefined when its percent-encoding is malformed (not a 500). */
export function decodeSegment(segment: string | undefined): string | undefined {
  try {
    return decodeURIComponent(segment ?? '');
  } catch {
    return undefined;
  }
}

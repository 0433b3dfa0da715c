// A SET the publisher queues, its text written when first read. The claims are fixed when the SET
// is queued (`jti`, `iat`, `txn`, the events); only turning them into JSON waits. A queue that
// stores what it is given (SQL) reads `payload` at once, as before; the memory queue keeps this
// object and reads `payload` when it first hands the SET out, so a write pays for building its
// SETs, not for printing them, as it pays for no signature either.
import type { NewQueuedSet } from './streams.js';

/**
 * A {@link NewQueuedSet} whose `payload` is `JSON.stringify(value)`, written on the first read and
 * kept: every read answers the same text, byte for byte. `value` is the publisher's own (the claims
 * it built, a webhook body), never handed to anyone else, so nothing changes it in between.
 * `payload` is an own enumerable property, as on a plain object: a queue that copies the SET with
 * a spread (`{ ...set, state: 'pending' }`) or compares it field by field gets the text.
 */
export class QueuedText implements NewQueuedSet {
  declare readonly payload: string;
  #text: string | undefined;
  #value: object | undefined;

  constructor(
    readonly streamId: string,
    readonly key: string,
    readonly subject: string,
    readonly jti: string,
    readonly txn: string,
    readonly eventUris: readonly string[],
    value: object,
    readonly queuedAt: string,
  ) {
    this.#value = value;
    Object.defineProperty(this, 'payload', { enumerable: true, get: () => this.#print() });
  }

  #print(): string {
    if (this.#text === undefined) {
      this.#text = JSON.stringify(this.#value);
      // The text is all that is read from now on.
      this.#value = undefined;
    }
    return this.#text;
  }
}

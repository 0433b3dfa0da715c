// A SET the publisher queues, its text written when first read. What the claims say is fixed when
// the SET is queued (`jti`, `iat`, `txn`, the events and their sources); writing their objects and
// turning them into JSON waits. Only the memory queue gets these: it keeps the object and reads
// `payload` when it first hands the SET out, so a write pays for deciding what its SETs say, not for
// writing and printing them, as it pays for no signature either. Every other queue (SQL, an
// application's own) gets plain SETs whose `payload` is already text.
import type { NewQueuedSet, SetQueue } from './streams.js';

/**
 * A {@link NewQueuedSet} whose `payload` is `JSON.stringify(value())`, written on the first read and
 * kept: every read answers the same text, byte for byte. `value` is the publisher's own (a planned
 * SET's claims, a webhook body), made from the lifecycle record, which nothing changes once written,
 * and it cannot throw (set-plan.ts).
 * `payload` is a getter of the class, not an own property (defining one per SET cost a write more
 * than printing saved): a spread copy would lose it, which is why only a queue that says it keeps
 * these ({@link keepsQueuedText}) is given them.
 */
export class QueuedText implements NewQueuedSet {
  #text: string | undefined;
  #value: (() => object) | undefined;

  constructor(
    readonly streamId: string,
    readonly key: string,
    readonly subject: string,
    readonly jti: string,
    readonly txn: string,
    readonly eventUris: readonly string[],
    value: () => object,
    readonly queuedAt: string,
  ) {
    this.#value = value;
  }

  get payload(): string {
    if (this.#text === undefined) {
      this.#text = JSON.stringify(this.#value?.());
      // The text is all that is read from now on.
      this.#value = undefined;
    }
    return this.#text;
  }
}

/** The queues made by this package that keep a {@link QueuedText} as it is (the memory queue). */
const keepers = new WeakSet<SetQueue>();

/** Marks `queue` as one that reads a {@link QueuedText}'s `payload` itself, never copying the SET. */
export function markKeepsQueuedText<Queue extends SetQueue>(queue: Queue): Queue {
  keepers.add(queue);
  return queue;
}

/** Whether `queue` may be given {@link QueuedText}s rather than SETs whose text is written. */
export function keepsQueuedText(queue: SetQueue): boolean {
  return keepers.has(queue);
}

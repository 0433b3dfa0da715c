// The memory queue's record of one SET and the orderings it keeps over them: a subject's pending
// SETs by insertion, the delivered ones oldest first, the dead ones by when they died.
import { QueuedText } from './queued-text.js';
import type { NewQueuedSet, QueuedSet, QueuedSetState } from './streams.js';

/**
 * One queued SET, its delivery state and what the queue needs to order and find it, in one object:
 * a queue holding thousands of SETs keeps one object per SET, not a SET and a copy of it per change,
 * which the garbage collector would copy and mark on every pass.
 */
export interface Entry {
  /** Insertion order: "oldest first" means the order SETs were queued, even when clocks tie. */
  readonly seq: number;
  readonly streamId: string;
  readonly key: string;
  readonly subject: string;
  readonly jti: string;
  readonly txn: string;
  readonly eventUris: readonly string[];
  /**
   * Emptied once delivered: nothing reads a delivered SET's text again, so it is not kept. A SET the
   * publisher queued is its {@link QueuedText} until first handed out, which writes the text.
   */
  payload: string | QueuedText;
  readonly queuedAt: string;
  state: QueuedSetState;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | undefined;
  deliveredAt: string | undefined;
  /** `nextAttemptAt` in milliseconds, compared on every claim. */
  dueAt: number;
  /** Replayed with `force`: delivered even after a newer SET of its subject. */
  forced: boolean;
  /** The frozen SET last handed out, until the entry changes. */
  view: QueuedSet | undefined;
}

/** What the queue knows of one subject of a stream while it has pending or dead SETs. */
export interface SubjectQueue {
  /** Pending entries, ascending by `seq` (a replayed dead SET goes back to its old place). */
  readonly pending: Entry[];
  /** How many of the subject's SETs are dead. */
  dead: number;
  /** The `seq` of the latest SET of the subject delivered since this record was made; -1 if none. */
  latestDelivered: number;
}

/**
 * Entries in the order they were added, taken from the oldest: a delivered SET is never taken out
 * of the middle. A Set would do, but finding its oldest entry walks over every slot deleted before
 * it until the Set is rehashed, which a stream at its cap does on every delivery.
 */
export class Fifo {
  private items: (Entry | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(entry: Entry): void {
    this.items.push(entry);
  }

  shift(): Entry | undefined {
    if (this.head >= this.items.length) return undefined;
    const oldest = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    // Drop the taken slots once they are most of the array: amortised constant time.
    if (this.head >= 1_024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return oldest;
  }
}

/** Up to this many SETs a claim picks without sorting every subject's head. */
const SMALL_CLAIM = 32;

/**
 * The `limit` oldest due heads of the subjects, oldest first. A deliverer claims a few SETs at a
 * time from a stream that may have thousands of subjects: a small claim keeps only its best few
 * while it walks them, rather than sorting them all.
 */
export function oldestDue(subjects: Iterable<SubjectQueue>, time: number, limit: number): Entry[] {
  const due: Entry[] = [];
  const small = limit <= SMALL_CLAIM;
  for (const { pending } of subjects) {
    const head = pending[0];
    if (head === undefined || head.dueAt > time) continue;
    if (!small) {
      due.push(head);
      continue;
    }
    const last = due[due.length - 1];
    if (due.length === limit && last !== undefined && last.seq < head.seq) continue;
    let at = due.length;
    while (at > 0 && (due[at - 1]?.seq ?? -1) > head.seq) at -= 1;
    due.splice(at, 0, head);
    if (due.length > limit) due.pop();
  }
  if (!small) due.sort((a, b) => a.seq - b.seq);
  return due.length > limit ? due.slice(0, limit) : due;
}

/** Drops the oldest of `entries` (a Set keeps insertion order) until at most `max` are left. */
export function trim(entries: Set<Entry>, max: number, drop: (oldest: Entry) => void): void {
  while (entries.size > max) {
    const oldest = entries.values().next().value;
    if (oldest === undefined) return;
    entries.delete(oldest);
    drop(oldest);
  }
}

/** Changes the entry's delivery state; the SETs handed out before keep what they said. */
export function update(
  entry: Entry,
  patch: Partial<
    Pick<QueuedSet, 'state' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'deliveredAt'>
  >,
): void {
  if (patch.state !== undefined) entry.state = patch.state;
  if (patch.attempts !== undefined) entry.attempts = patch.attempts;
  if (patch.nextAttemptAt !== undefined) entry.nextAttemptAt = patch.nextAttemptAt;
  if (patch.lastError !== undefined) entry.lastError = patch.lastError;
  if (patch.deliveredAt !== undefined) entry.deliveredAt = patch.deliveredAt;
  entry.view = undefined;
}

/**
 * The entry as a frozen SET, made when first asked for after a change: callers hold the SETs
 * `claim` and `list` return, and a later change must neither reach them nor be reachable through
 * them.
 */
export function viewOf(entry: Entry): QueuedSet {
  if (entry.view !== undefined) return entry.view;
  const view: QueuedSet = Object.freeze({
    streamId: entry.streamId,
    key: entry.key,
    subject: entry.subject,
    jti: entry.jti,
    txn: entry.txn,
    eventUris: entry.eventUris,
    payload: textOf(entry),
    queuedAt: entry.queuedAt,
    state: entry.state,
    attempts: entry.attempts,
    nextAttemptAt: entry.nextAttemptAt,
    ...(entry.lastError !== undefined && { lastError: entry.lastError }),
    ...(entry.deliveredAt !== undefined && { deliveredAt: entry.deliveredAt }),
  });
  entry.view = view;
  return view;
}

/** The entry's text, written now if it has not been yet. */
function textOf(entry: Entry): string {
  if (typeof entry.payload !== 'string') entry.payload = entry.payload.payload;
  return entry.payload;
}

/** The index of `seq` in entries sorted by `seq`, or where it would be inserted. */
export function indexOfSeq(entries: readonly Entry[], seq: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((entries[middle]?.seq ?? Infinity) < seq) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The text in one piece. A string joined from parts (a template literal, Node's `randomUUID`) is a
 * tree of strings in V8 until something reads it whole: a SET's key, for one, takes some 500 bytes
 * that way rather than 70, and a stream keeps thousands of delivered SETs. Reading a character makes
 * V8 flatten it in place; the next garbage collection drops the tree.
 */
export function whole(text: string): string {
  // Stored outside, so that an optimizing compiler cannot drop the read as unused.
  readCharacter.last = text.charCodeAt(0);
  return text;
}

/** The character `whole` read last: written only so that the read stays. */
const readCharacter = { last: 0 };

/**
 * The entry of a new SET: its fields copied, so a caller changing its object or array afterwards
 * cannot change the queued SET; its texts in one piece (the queue makes `key` and `jti` whole before
 * it looks them up), as the queue keeps them long after.
 */
export function newEntry(seq: number, set: NewQueuedSet, dueAt: number): Entry {
  return {
    seq,
    streamId: set.streamId,
    key: set.key,
    subject: whole(set.subject),
    jti: set.jti,
    txn: whole(set.txn),
    // A frozen array cannot change afterwards: only an array the caller may still change is copied.
    eventUris: Object.isFrozen(set.eventUris) ? set.eventUris : Object.freeze([...set.eventUris]),
    // The publisher's own SETs, which nobody else holds, are printed when first handed out.
    payload: set instanceof QueuedText ? set : set.payload,
    queuedAt: set.queuedAt,
    state: 'pending',
    attempts: 0,
    nextAttemptAt: set.queuedAt,
    lastError: undefined,
    deliveredAt: undefined,
    dueAt,
    forced: false,
    view: undefined,
  };
}

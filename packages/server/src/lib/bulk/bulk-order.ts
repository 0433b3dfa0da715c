// The order a bulk request's operations run in (RFC 7644 §3.7.1): request order, except that an
// operation waiting for a bulkId runs once the POST defining it has run. Linear in the operations
// and references (plus a log factor), however long the chains of references are.

/** What an operation is ready for when its turn comes. */
export type Verdict =
  | { readonly kind: 'run' }
  /** It refers to a bulkId no POST in the request defines. */
  | { readonly kind: 'missing'; readonly bulkId: string }
  /** It refers to a bulkId whose POST failed. */
  | { readonly kind: 'failed'; readonly bulkId: string };

interface Referring {
  /** The distinct bulkIds the operation refers to, in the order they appear. */
  readonly references: readonly string[];
}

/**
 * Hands out operations in the order the naive algorithm would run them (visit the waiting operations
 * in request order, run each one that can run, repeat until a pass makes no progress), without its
 * passes: an operation is looked at when it can run, never while it waits. Operations that are never
 * handed out wait for each other in a circle.
 */
export class BulkOrder<T extends Referring> {
  /** Per operation: how many of its references are still unresolved. */
  private readonly unresolved: number[];
  /** The operations waiting for each bulkId. */
  private readonly waiters = new Map<string, number[]>();
  private readonly settled = new Map<string, boolean>();
  private readonly queued: boolean[];
  private readonly handedOut: boolean[];
  /** Operations that can run and come after the current one: this pass. */
  private current = new MinHeap();
  /** Operations that became ready behind the current one: the next pass, as the naive loop has it. */
  private later: number[] = [];
  private position = -1;

  constructor(
    private readonly operations: readonly T[],
    private readonly declared: ReadonlySet<string>,
  ) {
    this.unresolved = operations.map(() => 0);
    this.queued = operations.map(() => false);
    this.handedOut = operations.map(() => false);
    for (const [index, operation] of operations.entries()) {
      let missing = false;
      for (const bulkId of operation.references) {
        if (!declared.has(bulkId)) {
          missing = true;
          continue;
        }
        this.unresolved[index] = (this.unresolved[index] as number) + 1;
        const waiting = this.waiters.get(bulkId);
        if (waiting === undefined) this.waiters.set(bulkId, [index]);
        else waiting.push(index);
      }
      if (missing || this.unresolved[index] === 0) this.enqueue(index);
    }
  }

  /** The next operation to answer and what it is ready for, or undefined when none can go on. */
  next(): { readonly operation: T; readonly verdict: Verdict } | undefined {
    if (this.current.size === 0) {
      if (this.later.length === 0) return undefined;
      // A new pass: everything that became ready behind the previous pass's position.
      this.current = new MinHeap(this.later);
      this.later = [];
    }
    const index = this.current.pop();
    this.position = index;
    this.handedOut[index] = true;
    const operation = this.operations[index] as T;
    return { operation, verdict: this.verdict(operation) };
  }

  /** Records the outcome of the POST that defines `bulkId`, releasing the operations waiting for it. */
  settle(bulkId: string, succeeded: boolean): void {
    if (this.settled.has(bulkId)) return;
    this.settled.set(bulkId, succeeded);
    const waiting = this.waiters.get(bulkId) ?? [];
    this.waiters.delete(bulkId);
    for (const index of waiting) {
      if (this.handedOut[index] === true) continue;
      this.unresolved[index] = (this.unresolved[index] as number) - 1;
      // One failed reference is enough to answer the operation (409); it need not wait for the rest.
      if (!succeeded || this.unresolved[index] === 0) this.enqueue(index);
    }
  }

  /** The operations never handed out, in request order: they wait for each other in a circle. */
  unreached(): T[] {
    return this.operations.filter((_, index) => this.handedOut[index] !== true);
  }

  private verdict(operation: T): Verdict {
    let failed: string | undefined;
    for (const bulkId of operation.references) {
      if (!this.declared.has(bulkId)) return { kind: 'missing', bulkId };
      if (failed === undefined && this.settled.get(bulkId) === false) failed = bulkId;
    }
    return failed === undefined ? { kind: 'run' } : { kind: 'failed', bulkId: failed };
  }

  private enqueue(index: number): void {
    if (this.queued[index] === true) return;
    this.queued[index] = true;
    if (index > this.position) this.current.push(index);
    else this.later.push(index);
  }
}

/** A binary min-heap of operation indexes. */
class MinHeap {
  private readonly items: number[] = [];

  constructor(items: readonly number[] = []) {
    for (const item of items) this.push(item);
  }

  get size(): number {
    return this.items.length;
  }

  push(item: number): void {
    const items = this.items;
    let index = items.length;
    items.push(item);
    while (index > 0) {
      const parent = (index - 1) >>> 1;
      if ((items[parent] as number) <= item) break;
      items[index] = items[parent] as number;
      index = parent;
    }
    items[index] = item;
  }

  /** Removes and returns the smallest item; the heap must not be empty. */
  pop(): number {
    const items = this.items;
    const top = items[0] as number;
    const last = items.pop() as number;
    if (items.length === 0) return top;
    let index = 0;
    for (;;) {
      const left = index * 2 + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child =
        right < items.length && (items[right] as number) < (items[left] as number) ? right : left;
      if ((items[child] as number) >= last) break;
      items[index] = items[child] as number;
      index = child;
    }
    items[index] = last;
    return top;
  }
}

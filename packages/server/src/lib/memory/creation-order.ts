// The memory store's natural order: resources in the order they were created, each at a sequence
// number that is never reused, so a cursor position stays meaningful after deletes.

export class CreationOrder {
  /** Ascending sequence numbers; `ids[i]` is undefined once that resource is deleted. */
  private sequences: number[] = [];
  private ids: (string | undefined)[] = [];
  private readonly sequenceOf = new Map<string, number>();
  private nextSequence = 1;
  private holes = 0;

  get size(): number {
    return this.sequenceOf.size;
  }

  sequence(id: string): number | undefined {
    return this.sequenceOf.get(id);
  }

  add(id: string): void {
    const sequence = this.nextSequence++;
    this.sequences.push(sequence);
    this.ids.push(id);
    this.sequenceOf.set(id, sequence);
  }

  remove(id: string): void {
    const sequence = this.sequenceOf.get(id);
    if (sequence === undefined) return;
    this.sequenceOf.delete(id);
    const index = this.firstAfter(sequence - 1);
    this.ids[index] = undefined;
    this.holes++;
    // Compacting when holes outnumber entries keeps scans and memory proportional to what is held.
    if (this.holes > 64 && this.holes * 2 > this.ids.length) this.compact();
  }

  /**
   * Puts a removed id back at the sequence it had (a rolled-back delete), so creation order and
   * cursor positions are what they were. O(n) when compaction dropped its slot; rollbacks are rare.
   */
  restore(id: string, sequence: number): void {
    const index = this.firstAfter(sequence - 1);
    if (this.sequences[index] === sequence) {
      this.ids[index] = id;
      this.holes--;
    } else {
      this.sequences.splice(index, 0, sequence);
      this.ids.splice(index, 0, id);
    }
    this.sequenceOf.set(id, sequence);
  }

  clear(): void {
    this.sequences = [];
    this.ids = [];
    this.sequenceOf.clear();
    this.holes = 0;
  }

  /**
   * Visits ids in creation order (or its reverse) strictly after (or before) `from`, until `visit`
   * returns false. `from` undefined starts at the beginning (or the end).
   */
  scan(
    direction: 'forward' | 'backward',
    from: number | undefined,
    visit: (id: string, sequence: number) => boolean,
  ): void {
    const { ids, sequences } = this;
    if (direction === 'forward') {
      for (let i = from === undefined ? 0 : this.firstAfter(from); i < ids.length; i++) {
        const id = ids[i];
        if (id !== undefined && !visit(id, sequences[i] as number)) return;
      }
    } else {
      const start = from === undefined ? ids.length : this.firstAfter(from - 1);
      for (let i = start - 1; i >= 0; i--) {
        const id = ids[i];
        if (id !== undefined && !visit(id, sequences[i] as number)) return;
      }
    }
  }

  /** The index of the first entry whose sequence is greater than `sequence` (binary search). */
  private firstAfter(sequence: number): number {
    let low = 0;
    let high = this.sequences.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.sequences[middle] as number) <= sequence) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  private compact(): void {
    const sequences: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < this.ids.length; i++) {
      const id = this.ids[i];
      if (id === undefined) continue;
      sequences.push(this.sequences[i] as number);
      ids.push(id);
    }
    this.sequences = sequences;
    this.ids = ids;
    this.holes = 0;
  }
}

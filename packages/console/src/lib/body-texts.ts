// The bodies the request history keeps, as UTF-8 in one buffer outside the JavaScript heap. Kept as
// objects, 500 requests' bodies are garbage the collector copies out of the young generation and
// marks in the old one while the history holds them, a cost every SCIM request shares; bytes in an
// array buffer are neither copied nor marked (bench/README.md, `console.mjs`).
//
// Texts are appended at the end of the buffer. When one does not fit, the live ones are moved to the
// front in the order they were written, into a new buffer twice their size and the next text's when
// they would fill more than half of this one: moving then costs a constant share per byte written,
// and the buffer is never more than twice the most it has had to hold at once.

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();
const INITIAL_BYTES = 64 * 1024;
const NONE = -1;

/** Texts in numbered places (`0 … places - 1`), each empty or holding one text. */
export class BodyTexts {
  #buffer = new Uint8Array(0);
  #end = 0;
  #live = 0;
  readonly #starts: Float64Array;
  readonly #lengths: Float64Array;

  constructor(places: number) {
    this.#starts = new Float64Array(places);
    this.#lengths = new Float64Array(places).fill(NONE);
  }

  /** The bytes of every text held. */
  get liveBytes(): number {
    return this.#live;
  }

  /** The size of the buffer the texts are in: at most twice the most `liveBytes` has been, or 64 KiB. */
  get bufferBytes(): number {
    return this.#buffer.length;
  }

  /** Puts `text` in `place` (emptying it first); gives back its length in UTF-8 bytes. */
  put(place: number, text: string): number {
    this.clear(place);
    let written = this.#encodeAtEnd(text);
    if (written === undefined) {
      this.#makeRoom(utf8Length(text));
      written = ENCODER.encodeInto(text, this.#buffer.subarray(this.#end)).written;
    }
    this.#starts[place] = this.#end;
    this.#lengths[place] = written;
    this.#end += written;
    this.#live += written;
    return written;
  }

  /** The text in `place`, or undefined for an empty place. */
  get(place: number): string | undefined {
    const length = this.#lengths[place] as number;
    if (length === NONE) return undefined;
    const start = this.#starts[place] as number;
    return DECODER.decode(this.#buffer.subarray(start, start + length));
  }

  /** Empties `place`; its bytes are reclaimed when texts are next moved. */
  clear(place: number): void {
    const length = this.#lengths[place] as number;
    if (length === NONE) return;
    this.#live -= length;
    this.#lengths[place] = NONE;
  }

  #encodeAtEnd(text: string): number | undefined {
    const { read, written } = ENCODER.encodeInto(text, this.#buffer.subarray(this.#end));
    return read === text.length ? written : undefined;
  }

  /** Moves the live texts to the front of the buffer, or of a larger one, leaving `needed` free. */
  #makeRoom(needed: number): void {
    const places: number[] = [];
    for (let place = 0; place < this.#lengths.length; place++)
      if (this.#lengths[place] !== NONE) places.push(place);
    // In the order they were written, so that each moves towards the front, over nothing live.
    places.sort((a, b) => (this.#starts[a] as number) - (this.#starts[b] as number));
    const from = this.#buffer;
    const wanted = 2 * (this.#live + needed);
    const to = wanted <= from.length ? from : new Uint8Array(Math.max(wanted, INITIAL_BYTES));
    let end = 0;
    for (const place of places) {
      const start = this.#starts[place] as number;
      const length = this.#lengths[place] as number;
      if (to === from) to.copyWithin(end, start, start + length);
      else to.set(from.subarray(start, start + length), end);
      this.#starts[place] = end;
      end += length;
    }
    this.#buffer = to;
    this.#end = end;
  }
}

/**
 * The length of `text` in UTF-8 as `TextEncoder` writes it (a lone surrogate as the 3 bytes of
 * U+FFFD). Counted only when a text does not fit, so that the buffer grows by what it needs.
 */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00 && isLowSurrogate(text.charCodeAt(index + 1))) {
      bytes += 4;
      index++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code < 0xe000;
}

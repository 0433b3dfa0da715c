// Random ids as SCIM servers make them (resource ids, SET `jti`s, lifecycle record ids): one per
// write at least, and kept in memory as long as what they name.

/** The character codes of the hexadecimal digits, by value. */
const HEX_CODES = Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0));
const CODE_HYPHEN = 45;
/** How many UUIDs' worth of random bytes one call to the random source fills. */
const UUIDS_PER_FILL = 128;

/** Random bytes drawn ahead, and how many of them are used. */
const randomBytes = new Uint8Array(16 * UUIDS_PER_FILL);
let usedBytes = randomBytes.length;

/**
 * A random UUID (version 4, 122 random bits from `crypto.getRandomValues`) in one flat string.
 * Node's `crypto.randomUUID` gives the same form, but as a tree of 20 joined strings that V8 keeps
 * (about 480 bytes rather than 56) for as long as a stored resource or a queued SET holds the id.
 * @example `randomUuid() // '3f0e8f8a-5c1b-4e7a-9d2f-0b6c1e4a7d93'`
 * @see https://www.rfc-editor.org/rfc/rfc9562#section-5.4
 */
export function randomUuid(): string {
  if (usedBytes === randomBytes.length) {
    crypto.getRandomValues(randomBytes);
    usedBytes = 0;
  }
  const at = usedBytes;
  usedBytes += 16;
  const high = (index: number): number =>
    HEX_CODES[(randomBytes[at + index] as number) >> 4] as number;
  const low = (index: number): number =>
    HEX_CODES[(randomBytes[at + index] as number) & 15] as number;
  // Version 4 (RFC 9562 §5.4): the version digit is 4, and the top two bits of byte 8 are the
  // variant, 10; its next two bits stay random. The low half of byte 8 is the digit after it.
  const variant = HEX_CODES[(((randomBytes[at + 8] as number) >> 4) & 0x3) | 0x8] as number;
  return String.fromCharCode(
    high(0),
    low(0),
    high(1),
    low(1),
    high(2),
    low(2),
    high(3),
    low(3),
    CODE_HYPHEN,
    high(4),
    low(4),
    high(5),
    low(5),
    CODE_HYPHEN,
    HEX_CODES[4] as number,
    low(6),
    high(7),
    low(7),
    CODE_HYPHEN,
    variant,
    low(8),
    high(9),
    low(9),
    CODE_HYPHEN,
    high(10),
    low(10),
    high(11),
    low(11),
    high(12),
    low(12),
    high(13),
    low(13),
    high(14),
    low(14),
    high(15),
    low(15),
  );
}

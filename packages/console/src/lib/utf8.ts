// Sizes in UTF-8 of texts the console did not get a size with.

/**
 * The length of `text` in UTF-8 as `TextEncoder` writes it (a lone surrogate as the 3 bytes of
 * U+FFFD), without encoding it: counted only for a body whose record gives no size.
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

// The timestamps the publisher and the memory queue write: many SETs at a time fall in the same
// millisecond (the records of one write, a claimed batch), and share one text.
import { formatDateTime } from '@scim/core';

/**
 * `formatDateTime` that remembers its last answer: a time in the same millisecond as the one
 * before gets the same string, made once and kept once.
 */
export function createTimeText(): (ms: number) => string {
  let lastMs = Number.NaN;
  let lastText = '';
  return (ms) => {
    if (ms !== lastMs) {
      // Formatted first: an invalid time throws and leaves the last answer as it was.
      lastText = formatDateTime(ms);
      lastMs = ms;
    }
    return lastText;
  };
}

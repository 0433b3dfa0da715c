// How the memory stores of this package answer: as a database store would, with a promise.

/**
 * Runs a synchronous change as a promise, so a throw becomes a rejection like a database store's
 * would, and callers cannot come to rely on a memory store answering synchronously.
 */
export function settled<T>(change: () => T): Promise<T> {
  // Not `new Promise(...)`: that makes an executor and two resolving functions on every call.
  try {
    return Promise.resolve(change());
  } catch (error) {
    // What the change threw, unchanged, as the executor's rejection would carry it.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(error);
  }
}

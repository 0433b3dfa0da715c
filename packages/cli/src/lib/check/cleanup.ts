// Deletes what a run created, newest first (groups made of users go before those users), a few at
// a time. A 404 counts as deleted: the check that made the resource may have deleted it itself.
import { SCIM_MEDIA_TYPE } from '@scim/core';
import type { CheckCleanup } from '../types.js';

const PARALLEL = 4;

export async function deleteCreated(
  urls: readonly string[],
  fetch: (request: Request) => Promise<Response>,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<Omit<CheckCleanup, 'created' | 'skipped'>> {
  const queue = [...urls].reverse();
  const leftover: { url: string; problem: string }[] = [];
  let deleted = 0;
  async function worker(): Promise<void> {
    for (let url = queue.shift(); url !== undefined; url = queue.shift()) {
      try {
        const response = await fetch(
          new Request(url, {
            method: 'DELETE',
            headers: { accept: SCIM_MEDIA_TYPE, ...headers },
            signal: AbortSignal.timeout(timeoutMs),
          }),
        );
        await response.arrayBuffer();
        if ((response.status >= 200 && response.status < 300) || response.status === 404)
          deleted += 1;
        else leftover.push({ url, problem: `DELETE answered ${response.status}` });
      } catch (error) {
        leftover.push({
          url,
          problem: `DELETE failed: ${error instanceof Error ? error.message : String(error)}`,
        });
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, worker));
  return { deleted, leftover };
}

// The load generator of bench/http.mjs: a keep-alive `node:http` client (cheaper per request than
// `fetch`, so the client is less often the bottleneck), a closed loop of N workers that each wait
// for their answer before sending the next request, and latency percentiles.
import http from 'node:http';

/**
 * A client for one server. `send` resolves the status and, when `read` is set, the body as text
 * (the load loop only drains bodies: parsing them would spend the client's CPU, not the server's).
 */
export function createClient({ port, token, concurrency }) {
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: concurrency,
    maxFreeSockets: concurrency,
  });
  const base = { authorization: `Bearer ${token}`, accept: 'application/scim+json' };
  function send(method, path, body, read = false) {
    return new Promise((resolve, reject) => {
      const headers =
        body === undefined
          ? base
          : {
              ...base,
              'content-type': 'application/scim+json',
              'content-length': Buffer.byteLength(body),
            };
      const request = http.request(
        { agent, host: '127.0.0.1', port, method, path, headers },
        (response) => {
          const chunks = [];
          response.on('data', read ? (chunk) => chunks.push(chunk) : () => {});
          response.on('end', () =>
            resolve({
              status: response.statusCode,
              text: read ? Buffer.concat(chunks).toString('utf8') : '',
            }),
          );
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }
  /** Sends and parses the JSON answer (for seeding and sanity checks). */
  async function json(method, path, value) {
    const { status, text } = await send(
      method,
      path,
      value === undefined ? undefined : JSON.stringify(value),
      true,
    );
    return { status, body: text === '' ? undefined : JSON.parse(text) };
  }
  return { send, json, close: () => agent.destroy() };
}

/** Runs `work(index)` for every index below `count`, `concurrency` at a time, in order. */
export async function pool(count, concurrency, work) {
  let next = 0;
  const results = new Array(count);
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await work(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

/** The value below which `fraction` of the sorted `values` fall. */
export function percentile(sorted, fraction) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

/**
 * A closed loop for `durationMs`: `concurrency` workers, each sending `pick(worker)`'s request and
 * waiting for its answer. A request whose status `pick` did not expect counts as an error (and is
 * reported), so a server that fails fast never looks fast.
 */
export async function runLoad({ client, concurrency, durationMs, pick }) {
  const latencies = [];
  const unexpected = {};
  let errors = 0;
  const started = performance.now();
  const end = started + durationMs;
  const worker = async (index) => {
    while (performance.now() < end) {
      const { method, path, body, ok } = pick(index);
      const sent = performance.now();
      const { status } = await client.send(method, path, body);
      latencies.push(performance.now() - sent);
      if (!ok(status)) {
        errors++;
        const key = `${method} ${status}`;
        unexpected[key] = (unexpected[key] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, index) => worker(index)));
  return { latencies, elapsedMs: performance.now() - started, errors, unexpected };
}

/**
 * Adds up several runs of one server (the rounds it took turns in): requests per second over their
 * total time, latency percentiles over all their requests.
 */
export function summarise(runs) {
  const latencies = runs.flatMap((run) => run.latencies).sort((a, b) => a - b);
  const elapsedMs = runs.reduce((sum, run) => sum + run.elapsedMs, 0);
  const unexpected = {};
  for (const run of runs)
    for (const [key, count] of Object.entries(run.unexpected))
      unexpected[key] = (unexpected[key] ?? 0) + count;
  return {
    requests: latencies.length,
    elapsedMs,
    perSecond: latencies.length / (elapsedMs / 1000),
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    errors: runs.reduce((sum, run) => sum + run.errors, 0),
    unexpected,
  };
}

// The push receiver of bench/events.mjs, in a process of its own so that its work is not measured
// as the transmitter's: a `node:http` server that answers every POST with 202, as an RFC 8935
// receiver does once it has taken a SET. It reads each SET's claims without verifying them (the
// benchmark measures the transmitter) and checks the order the issue promises: for each stream
// (the path, `/streams/{id}`) and subject (`sub_id.uri`), SETs arrive in the order they were queued.
// The order is read from the SET: a `txn` made of digits only is a sequence number the benchmark
// gave it; otherwise each event URI has a rank (create, then changes, then delete), which must not
// go down.
//
// Messages: the parent sends 'stats' (answered with the counts), 'reset'; this process sends
// `{ port }` once it listens.
import http from 'node:http';

const RANKS = [
  [/:prov:create:/, 0],
  [/:prov:delete$/, 2],
];

/** The order key of a SET: its sequence number, or its events' rank. */
function orderOf(claims) {
  if (typeof claims.txn === 'string' && /^\d+$/.test(claims.txn)) return Number(claims.txn);
  let rank = 1;
  for (const uri of Object.keys(claims.events ?? {}))
    for (const [pattern, value] of RANKS) if (pattern.test(uri)) rank = value;
  return rank;
}

let received = 0;
let outOfOrder = 0;
let malformed = 0;
let firstAt;
let lastAt;
/** `stream subject` → the order key of the last SET received. */
let last = new Map();
/** stream path → SETs received. */
let perStream = new Map();

const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    const token = Buffer.concat(chunks).toString('utf8');
    try {
      const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
      const key = `${request.url} ${claims.sub_id?.uri}`;
      const order = orderOf(claims);
      const before = last.get(key);
      if (before !== undefined && order < before) outOfOrder += 1;
      last.set(key, order);
      received += 1;
      perStream.set(request.url, (perStream.get(request.url) ?? 0) + 1);
      lastAt = performance.now();
      firstAt ??= lastAt;
    } catch {
      malformed += 1;
    }
    response.writeHead(202).end();
  });
});

process.on('message', (message) => {
  if (message === 'stats')
    process.send({
      received,
      outOfOrder,
      malformed,
      perStream: Object.fromEntries(perStream),
      spanMs: firstAt === undefined ? 0 : lastAt - firstAt,
    });
  else if (message === 'reset') {
    received = outOfOrder = malformed = 0;
    firstAt = lastAt = undefined;
    last = new Map();
    perStream = new Map();
    process.send('reset');
  }
});
process.on('disconnect', () => process.exit(0));

server.keepAliveTimeout = 5_000;
server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));

// A unit of work: one write request, or a whole bulk request. Its store writes and the lifecycle
// events they record commit together (inside the storage's transaction, when it has one), and the
// events are delivered to the hooks only once they have.
import type { Scope } from './engine.js';
import type { LifecycleEvent } from './outbox.js';

/**
 * Runs `work` as one unit: inside `options.transaction` when configured, unless the scope is already
 * in a unit (a bulk operation joins its bulk's). Events recorded by the work are delivered after it
 * resolves; a unit that throws delivers nothing, and a transaction the storage retries starts over.
 */
export async function inUnitOfWork<T>(
  scope: Scope,
  work: (scope: Scope) => Promise<T>,
): Promise<T> {
  if (scope.events !== undefined) return work(scope);
  const { engine } = scope;
  let events: LifecycleEvent[] = [];
  const transaction = engine.transaction;
  const result =
    transaction === undefined
      ? await work(inside(scope, undefined, events))
      : await transaction(
          (handle) => {
            events = [];
            return work(inside(scope, handle, events));
          },
          { principal: scope.principal, tenant: scope.tenant, signal: scope.signal },
        );
  // The first attempt runs before the client is answered, so a leaver's sessions are usually gone by
  // then; its outcome never changes the answer: a failure is retried from the outbox.
  if (events.length > 0) await engine.deliverer.deliverNow(events);
  return result;
}

function inside(scope: Scope, transaction: unknown, events: LifecycleEvent[]): Scope {
  return {
    engine: scope.engine,
    request: scope.request,
    requestId: scope.requestId,
    url: scope.url,
    baseUrl: scope.baseUrl,
    principal: scope.principal,
    tenant: scope.tenant,
    grants: scope.grants,
    transaction,
    events,
    get signal() {
      return scope.signal;
    },
  };
}

/**
 * Records a write's lifecycle events in the outbox, in the unit's transaction, leased to this
 * request for its first delivery attempt. Called right after the store write it describes: without
 * a transaction, a failure between the two loses the event, which is why storages bring one.
 */
export async function recordEvents(scope: Scope, events: readonly LifecycleEvent[]): Promise<void> {
  if (events.length === 0) return;
  const { engine } = scope;
  const leaseUntil = new Date(engine.now().getTime() + engine.leaseMs);
  await engine.outbox.append(events, leaseUntil, {
    tenant: scope.tenant,
    ...(scope.transaction === undefined ? {} : { transaction: scope.transaction }),
  });
  if (scope.events === undefined)
    throw new TypeError('recordEvents is called inside a unit of work only');
  scope.events.push(...events);
}

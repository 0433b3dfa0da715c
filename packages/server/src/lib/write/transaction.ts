// A unit of work: one write request, or a whole bulk request. Its store writes and the lifecycle
// events they record commit together (inside the storage's transaction, when it has one), and the
// events are delivered to the hooks only once they have.
import { rescope, withSignalOf } from '../context.js';
import type { Scope } from '../engine.js';
import type { Outcome } from '../http.js';
import type { LifecycleEvent } from '../lifecycle/outbox.js';

/**
 * Runs `work` as one unit: inside `options.transaction` when configured, unless the scope is already
 * in a unit (a bulk operation joins its bulk's). Events recorded by the work are delivered after it
 * resolves; a unit that throws delivers nothing, and a transaction the storage retries starts over.
 * An outbox that cannot join the transaction (the handler's own, in memory) is written after the
 * commit, so a rolled-back or retried attempt leaves no event behind; the write's answer stands even
 * when that append fails. The scope's completion (an asynchronous request's) is recorded in the
 * unit once the work resolved, so it commits with the write or not at all (with an outbox outside
 * the transaction: is appended after it, alone again if need be).
 */
export async function inUnitOfWork<T extends Outcome>(
  scope: Scope,
  work: (scope: Scope) => Promise<T>,
): Promise<T> {
  if (scope.events !== undefined) return work(scope);
  const { engine } = scope;
  let events: LifecycleEvent[] = [];
  const run = async (unit: Scope): Promise<T> => {
    const result = await work(unit);
    if (scope.completion !== undefined) await scope.completion.record(unit, result);
    return result;
  };
  const transaction = engine.transaction;
  const result =
    transaction === undefined
      ? await run(rescope(scope, { transaction: undefined, events }))
      : await transaction(
          (handle) => {
            events = [];
            return run(rescope(scope, { transaction: handle, events }));
          },
          withSignalOf({ principal: scope.principal, tenant: scope.tenant }, scope),
        );
  if (events.length === 0) return result;
  const recorded =
    transaction !== undefined && !engine.outboxJoinsTransactions
      ? await appendAfterCommit(scope, events)
      : events;
  // The first attempt starts now and the handler waits for it (briefly, after the deadline), so a
  // leaver's sessions are usually gone before the client is answered; its outcome never changes the
  // answer: a failure is retried from the outbox.
  if (recorded.length > 0) scope.deliveries.push(engine.deliverer.deliverNow(recorded));
  return result;
}

/**
 * Appends a committed unit's events to an outbox outside its transaction, and says which it holds.
 * The write stands whatever happens here, so a failure does not fail the request (its client would
 * send a committed write again): `onError` hears of it, and an asynchronous request's completion,
 * which its client waits for, is tried once more on its own.
 */
async function appendAfterCommit(
  scope: Scope,
  events: readonly LifecycleEvent[],
): Promise<readonly LifecycleEvent[]> {
  try {
    await appendEvents(scope, events, undefined);
    return events;
  } catch (error) {
    reportFailure(scope, error);
  }
  const completions = events.filter((event) => event.type === 'asyncCompleted');
  if (completions.length === 0) return [];
  try {
    await appendEvents(scope, completions, undefined);
    return completions;
  } catch (error) {
    reportFailure(scope, error);
    return [];
  }
}

/**
 * Tells `onError` of a failure that is not the request's answer (work after the commit, or after a
 * 202); an `onError` that throws changes nothing, as there is no one left to tell.
 */
export function reportFailure(scope: Scope, error: unknown): void {
  try {
    scope.engine.onError(error, scope.request, { requestId: scope.requestId });
  } catch {
    // Nowhere left to report it: the write's answer must not depend on the logger.
  }
}

/**
 * Records a write's lifecycle events in the outbox, in the unit's transaction, leased to this
 * request for its first delivery attempt. Called right after the store write it describes: without
 * a transaction, a failure between the two loses the event, which is why storages bring one.
 */
export async function recordEvents(scope: Scope, events: readonly LifecycleEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (scope.events === undefined)
    throw new TypeError('recordEvents is called inside a unit of work only');
  // Held until the commit when the outbox cannot take the transaction's handle (see inUnitOfWork).
  if (scope.transaction === undefined || scope.engine.outboxJoinsTransactions)
    await appendEvents(scope, events, scope.transaction);
  scope.events.push(...events);
}

/**
 * Records events that belong to no unit of work (the completion of an asynchronous request that
 * wrote nothing) and starts their delivery.
 */
export async function recordAlone(scope: Scope, events: readonly LifecycleEvent[]): Promise<void> {
  if (events.length === 0) return;
  await appendEvents(scope, events, undefined);
  scope.deliveries.push(scope.engine.deliverer.deliverNow(events));
}

function appendEvents(
  scope: Scope,
  events: readonly LifecycleEvent[],
  transaction: unknown,
): Promise<void> {
  const { engine } = scope;
  const leaseUntil = new Date(engine.now().getTime() + engine.leaseMs);
  return engine.outbox.append(events, leaseUntil, {
    tenant: scope.tenant,
    ...(transaction === undefined ? {} : { transaction }),
  });
}

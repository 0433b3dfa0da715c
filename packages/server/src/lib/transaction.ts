// Write requests inside the application's store transaction, with lifecycle hooks held until commit.
import type { Engine, Scope } from './engine.js';

/**
 * Runs `work` inside `options.transaction` when one is configured and the scope is not already in
 * one (the operations of a bulk request share the bulk's). Hooks the work defers run after commit,
 * and not at all when the transaction throws.
 */
export async function inTransaction<T>(
  engine: Engine,
  scope: Scope,
  work: (scope: Scope) => Promise<T>,
): Promise<T> {
  const transaction = engine.options.transaction;
  if (transaction === undefined || scope.afterCommit !== undefined) return work(scope);
  let afterCommit: (() => Promise<void>)[] = [];
  const result = await transaction(
    (handle) => {
      // A transaction the application retries starts over: hooks of a failed attempt never run.
      afterCommit = [];
      return work(inside(scope, handle, afterCommit));
    },
    { principal: scope.principal, tenant: scope.tenant, signal: scope.signal },
  );
  for (const hook of afterCommit) await hook();
  return result;
}

function inside(scope: Scope, transaction: unknown, afterCommit: (() => Promise<void>)[]): Scope {
  return {
    request: scope.request,
    requestId: scope.requestId,
    url: scope.url,
    baseUrl: scope.baseUrl,
    principal: scope.principal,
    tenant: scope.tenant,
    grants: scope.grants,
    transaction,
    afterCommit,
    get signal() {
      return scope.signal;
    },
  };
}

/** Runs a lifecycle hook now, or after commit when the write is part of a transaction. */
export async function whenCommitted(scope: Scope, hook: () => Promise<void>): Promise<void> {
  if (scope.afterCommit === undefined) await hook();
  else scope.afterCommit.push(hook);
}

// What the asynchronous request tests (RFC 9967 §2.5.1) share: a store that holds its writes until
// the test lets them go, and the completion records a handler's outbox holds.
import type { LifecycleEvent, ScimHandler, ScimStore } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { PO } from './helpers.js';

/** A promise the test resolves when it chooses: no clock decides anything. */
export function createGate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

/**
 * A memory store whose creates and replaces wait for `gate` while `holding()` says so (default
 * always), calling `onHold` as they start waiting: the work behind a 202 cannot finish before the
 * test has its answer.
 */
export function heldStore(
  gate: Promise<void>,
  holding: () => boolean = () => true,
  onHold: () => void = () => undefined,
): ScimStore {
  return new Proxy(createMemoryStore(), {
    get(target, name, receiver) {
      const value: unknown = Reflect.get(target, name, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (name !== 'create' && name !== 'replace') return method.bind(target);
      return async (...args: unknown[]) => {
        if (holding()) {
          onHold();
          await gate;
        }
        return method.apply(target, args);
      };
    },
  });
}

/** The `asyncCompleted` records of a handler's outbox, in the order they were appended. */
export async function completions(handler: ScimHandler): Promise<LifecycleEvent[]> {
  return (await handler.outbox.list())
    .map((entry) => entry.event)
    .filter((event) => event.type === 'asyncCompleted');
}

/** Every record of the outbox, in the order appended. */
export async function records(handler: ScimHandler): Promise<LifecycleEvent[]> {
  return (await handler.outbox.list()).map((entry) => entry.event);
}

export const ASYNC = { prefer: 'respond-async' };

export const deactivate = {
  schemas: [PO],
  Operations: [{ op: 'replace', path: 'active', value: false }],
};

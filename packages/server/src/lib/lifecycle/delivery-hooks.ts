// What each lifecycle hook receives, and the call that hands an event to the hooks that want it:
// the typed hook of its type first, then `onEvent`. Retries, leases and order are delivery.ts's.
import type { ScimResource, ScimResourceType } from '@scim/core';
import type { AttributeChange } from '@scim/patch';
import type { HookEvent } from '../options.js';
import type { LifecycleEvent, LifecycleEventType } from './outbox.js';
import { copyWith } from '../copy.js';

/**
 * What a hook receives for a resource's event: the resource as written (as it was last, for
 * `afterDelete`), the state before, and the event's id, which stays the same on every attempt, so a
 * hook can ignore a repeat.
 * @example `onDeactivate: async ({ id, resource }) => { if (await seen(id)) return; await revoke(resource.id) }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface DeliveredHookEvent extends HookEvent {
  /** The idempotency key: unique per event, the same on every attempt. */
  readonly id: string;
  readonly type: Exclude<LifecycleEventType, 'membersAdded' | 'membersRemoved' | 'asyncCompleted'>;
  /** 1 on the first delivery, higher on retries. */
  readonly attempt: number;
  readonly resourceId: string;
  readonly operation: LifecycleEvent['operation'];
  readonly occurredAt: string;
  readonly requestId: string;
  /** What a PATCH changed. */
  readonly changes?: readonly AttributeChange[];
}

/**
 * What `onMembershipChange` receives: the group and the member values added or removed, without the
 * group itself (read it by `resourceId` if needed: a large group is not copied into every event).
 * @example `onMembershipChange: ({ type, resourceId, members }) => sync(resourceId, type, members)`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-4.2
 */
export interface MembershipHookEvent {
  readonly id: string;
  readonly type: 'membersAdded' | 'membersRemoved';
  readonly attempt: number;
  readonly resourceType: ScimResourceType;
  readonly resourceId: string;
  /** `cascade` when a deleted resource left the group. */
  readonly operation: LifecycleEvent['operation'];
  readonly members: readonly string[];
  readonly principal: unknown;
  readonly tenant: string | undefined;
  readonly occurredAt: string;
  readonly requestId: string;
}

type Hook<E> = ((event: E) => void | Promise<void>) | undefined;

/**
 * The hooks delivery calls; `LifecycleHooks` fits it.
 * @example `{ onDeactivate: ({ resource }) => revokeSessions(resource.id as string) }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface DeliveryHooks {
  readonly afterCreate?: Hook<DeliveredHookEvent>;
  readonly afterReplace?: Hook<DeliveredHookEvent>;
  readonly afterPatch?: Hook<DeliveredHookEvent>;
  readonly afterDelete?: Hook<DeliveredHookEvent>;
  readonly onDeactivate?: Hook<DeliveredHookEvent>;
  readonly onReactivate?: Hook<DeliveredHookEvent>;
  readonly onMembershipChange?: Hook<MembershipHookEvent>;
  /**
   * Every event as recorded, whatever its type, after the typed hook of its type: for code that
   * republishes events (RFC 9967 SETs, webhooks, a queue). Same contract as the others: at least once,
   * in order per resource, the `id` the same on every attempt. It also receives `asyncCompleted`,
   * which no typed hook does.
   */
  readonly onEvent?: Hook<RecordedHookEvent>;
}

/**
 * What `onEvent` receives: the lifecycle event exactly as the outbox holds it (its `changeId`,
 * `version`, states and changes), and the attempt.
 * @example `onEvent: async (event) => { await publisher.publish(event) }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export type RecordedHookEvent = LifecycleEvent & {
  /** 1 on the first delivery, higher on retries. */
  readonly attempt: number;
};

/**
 * The call that delivers an event: undefined when no hook wants it (it is completed at once), an
 * Error when it can never be delivered (it goes dead at once, retrying cannot help).
 */
export function callOf(
  hooks: DeliveryHooks,
  typeOf: (event: LifecycleEvent) => ScimResourceType | undefined,
  event: LifecycleEvent,
  attempt: number,
): (() => unknown) | Error | undefined {
  const typed = typedCallOf(hooks, typeOf, event, attempt);
  const onEvent = hooks.onEvent;
  if (onEvent === undefined || typed instanceof Error) return typed;
  // Only onEvent (as @scim/events' publisher is): called as it is, without a wrapper to await.
  if (typed === undefined) return () => onEvent(copyWith(event, { attempt }));
  return async () => {
    await typed();
    await onEvent(copyWith(event, { attempt }));
  };
}

function typedCallOf(
  hooks: DeliveryHooks,
  typeOf: (event: LifecycleEvent) => ScimResourceType | undefined,
  event: LifecycleEvent,
  attempt: number,
): (() => unknown) | Error | undefined {
  const { type } = event;
  // Not a change of the resource: no typed hook hears of it, only onEvent (RFC 9967 §2.5.1).
  if (type === 'asyncCompleted') return undefined;
  const hook = hooks[hookNameOf(type, event.operation)];
  if (hook === undefined) return undefined;
  const resourceType = typeOf(event);
  if (resourceType === undefined)
    return new Error(`No resource type is named ${event.resourceType}`);
  const base = {
    id: event.id,
    attempt,
    resourceType,
    resourceId: event.resourceId,
    operation: event.operation,
    principal: event.principal,
    tenant: event.tenant,
    occurredAt: event.occurredAt,
    requestId: event.requestId,
  };
  if (type === 'membersAdded' || type === 'membersRemoved') {
    const members = event.members ?? [];
    const onMembershipChange = hooks.onMembershipChange;
    return () => onMembershipChange?.({ ...base, type, members });
  }
  const resource: ScimResource | undefined = event.resource;
  if (resource === undefined) return new Error(`A ${event.type} event carries no resource`);
  const resourceHook = hook as Hook<DeliveredHookEvent>;
  return () =>
    resourceHook?.({
      ...base,
      type,
      resource,
      previous: event.previous,
      ...(event.changes !== undefined && { changes: event.changes }),
    });
}

function hookNameOf(
  type: Exclude<LifecycleEventType, 'asyncCompleted'>,
  operation: LifecycleEvent['operation'],
): Exclude<keyof DeliveryHooks, 'onEvent'> {
  switch (type) {
    case 'created':
      return 'afterCreate';
    case 'updated':
      return operation === 'replace' ? 'afterReplace' : 'afterPatch';
    case 'deactivated':
      return 'onDeactivate';
    case 'reactivated':
      return 'onReactivate';
    case 'deleted':
      return 'afterDelete';
    case 'membersAdded':
    case 'membersRemoved':
      return 'onMembershipChange';
  }
}

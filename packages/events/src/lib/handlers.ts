// Typed in-process subscriptions to the server's lifecycle events: `on('user.deactivated', …)`.
// They ride the server's `onEvent` hook, so they inherit its promise: delivered at least once from
// the outbox, in order per resource, retried while a handler throws. The same names type the plain
// JSON webhooks, so a handler and a webhook receiver read the same vocabulary.
import type { ScimResource } from '@scim/core';
import type { AsyncResponseOperation, LifecycleEvent, LifecycleEventType } from '@scim/server';

/**
 * What happened, as the second half of an event name: the server's lifecycle event types in
 * snake case.
 * @example `'members_added'`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4
 */
export type ScimEventAction =
  | 'created'
  | 'updated'
  | 'deactivated'
  | 'reactivated'
  | 'deleted'
  | 'members_added'
  | 'members_removed';

/**
 * An event's name: the resource type in snake case, a dot, and the action, such as `user.deactivated`
 * or `group.members_added` (a resource type `EnterpriseDevice` gives `enterprise_device.created`).
 * `async.completed` is the end of an asynchronous request (RFC 9967 §2.5.1), whatever it wrote.
 * @example `'user.deactivated'`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4
 */
export type ScimEventName = `${string}.${ScimEventAction}` | 'async.completed';

/**
 * What `on` subscribes to: one event name, every event of a resource type (`user.*`), or every
 * event (`*`, which includes `async.completed`).
 * @example `'user.*'`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4
 */
export type ScimEventPattern = ScimEventName | `${string}.*` | '*';

/**
 * What a handler receives: the lifecycle event as the outbox holds it, its name, the attempt (1,
 * then higher on redeliveries), and the idempotency key, the same on every attempt (the event id),
 * so a handler that already acted on it can return at once.
 * @example `{ name: 'user.deactivated', idempotencyKey: '01J…', attempt: 1, resourceId: '2819c223', resource, … }`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.2
 */
export interface HandledEvent extends LifecycleEvent {
  readonly name: ScimEventName;
  readonly idempotencyKey: string;
  readonly attempt: number;
}

/**
 * The event a pattern's handler receives: membership events carry the member values,
 * `async.completed` the request's outcome (`asyncResponse`, the `misc:asyncresp` payload; its txn
 * is `changeId`) and what it was about (`subjectUri`), every other named event the resource (as
 * written, or as it was last for `deleted`).
 * @example `HandledEventOf<'group.members_added'>['members'] // readonly string[]`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4
 */
export type HandledEventOf<P extends ScimEventPattern> = P extends 'async.completed'
  ? HandledEvent & {
      readonly asyncResponse: AsyncResponseOperation;
      readonly subjectUri: string;
      readonly changeId: string;
    }
  : P extends `${string}.members_${string}`
    ? HandledEvent & { readonly members: readonly string[] }
    : P extends `${string}.${Exclude<ScimEventAction, `members_${string}`>}`
      ? HandledEvent & { readonly resource: ScimResource }
      : HandledEvent;

/**
 * A handler; a throw (or a rejection) makes the delivery fail, and the server retries it.
 * @example `async (event) => { await sessions.revokeAll(event.resourceId) }`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.2
 */
export type ScimEventHandler<P extends ScimEventPattern = ScimEventPattern> = (
  event: HandledEventOf<P>,
) => void | Promise<void>;

/**
 * Typed subscriptions, made by {@link createEventHandlers}. `on` adds a handler and returns the
 * same object (so calls chain); `onEvent` is what you pass as the server's `hooks.onEvent`.
 * @example `createEventHandlers().on('user.deactivated', revoke).on('user.deleted', purge)`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4
 */
export interface EventHandlers {
  on<P extends ScimEventPattern>(pattern: P, handler: ScimEventHandler<P>): EventHandlers;
  /** Runs the handlers of the event's name in the order they were added; rejects if any threw. */
  readonly onEvent: (event: LifecycleEvent & { readonly attempt?: number }) => Promise<void>;
}

const ACTIONS: Readonly<Record<Exclude<LifecycleEventType, 'asyncCompleted'>, ScimEventAction>> = {
  created: 'created',
  updated: 'updated',
  deactivated: 'deactivated',
  reactivated: 'reactivated',
  deleted: 'deleted',
  membersAdded: 'members_added',
  membersRemoved: 'members_removed',
};

const ACTION_NAMES: ReadonlySet<string> = new Set(Object.values(ACTIONS));

/** The name of an asynchronous request's completion, whatever resource it was about. */
const ASYNC_COMPLETED = 'async.completed';

/**
 * The name of a lifecycle event: `user.created`, `user.deactivated`, `group.members_added`, …, and
 * `async.completed` for an asynchronous request's completion.
 * @example `toEventName({ resourceType: 'User', type: 'membersAdded' }) // 'user.members_added'`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4
 */
export function toEventName(event: Pick<LifecycleEvent, 'resourceType' | 'type'>): ScimEventName {
  if (event.type === 'asyncCompleted') return ASYNC_COMPLETED;
  return `${resourceTypeSlug(event.resourceType)}.${ACTIONS[event.type]}`;
}

/**
 * Subscriptions to the server's lifecycle events by name, delivered through the server's `onEvent`
 * hook: at least once, in order per resource, with the event id as idempotency key. A handler that
 * throws makes `onEvent` reject, so the server retries the event with backoff (every handler of it
 * runs again: use the idempotency key). A name that no event can have (`user.deactivate`) is refused
 * at once rather than never called.
 * @example
 * ```ts
 * const handlers = createEventHandlers()
 *   .on('user.deactivated', async ({ resourceId, idempotencyKey }) => {
 *     if (await done.has(idempotencyKey)) return;
 *     await sessions.revokeAll(resourceId);
 *   })
 *   .on('group.members_removed', ({ resourceId, members }) => acl.remove(resourceId, members));
 * const handler = createScimHandler({ ...storage, authenticate, hooks: { onEvent: handlers.onEvent } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.4
 */
export function createEventHandlers(): EventHandlers {
  const subscriptions: {
    readonly pattern: string;
    readonly handler: (e: HandledEvent) => unknown;
  }[] = [];
  const handlers: EventHandlers = {
    on(pattern, handler) {
      checkPattern(pattern);
      subscriptions.push({
        pattern,
        // A handler of pattern P only ever receives events whose name matches P, which carry what
        // HandledEventOf<P> promises (the server's records hold `members` or `resource` by type).
        handler: handler as (event: HandledEvent) => unknown,
      });
      return handlers;
    },
    onEvent: async (event) => {
      const name = toEventName(event);
      const kind = `${name.slice(0, name.lastIndexOf('.'))}.*`;
      const matching = subscriptions.filter(
        ({ pattern }) => pattern === name || pattern === kind || pattern === '*',
      );
      if (matching.length === 0) return;
      const handled: HandledEvent = {
        ...event,
        name,
        idempotencyKey: event.id,
        attempt: event.attempt ?? 1,
      };
      const failures: unknown[] = [];
      // One after the other, in the order added: a handler may rely on an earlier one's effect.
      for (const { handler } of matching) {
        try {
          await handler(handled);
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw failureOf(name, failures, matching.length);
    },
  };
  return handlers;
}

/** `EnterpriseDevice` → `enterprise_device`: the resource type's name as an event name's first half. */
function resourceTypeSlug(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

/**
 * The endpoints of the core resource types (RFC 7643 §4), a likely slip for the resource type's
 * name: `users.deactivated` would never match, since events are named `user.deactivated`.
 */
const ENDPOINT_NAMES: Readonly<Record<string, string>> = { users: 'user', groups: 'group' };

/**
 * Refuses at `on()` a pattern no event name can equal, rather than never calling its handler: an
 * unknown action, a resource type not in the snake case names use (`User`, `enterpriseDevice`), or
 * a core endpoint's name in place of its resource type's (`users`).
 */
function checkPattern(pattern: string): void {
  if (pattern === '*' || pattern === ASYNC_COMPLETED) return;
  const dot = pattern.lastIndexOf('.');
  const action = pattern.slice(dot + 1);
  if (dot <= 0 || (action !== '*' && !ACTION_NAMES.has(action)))
    throw new TypeError(
      `'${pattern}' names no event: use '<resource type>.<action>' with an action among ` +
        `${[...ACTION_NAMES].join(', ')}, '<resource type>.*', '${ASYNC_COMPLETED}' or '*'`,
    );
  const type = pattern.slice(0, dot);
  const slug = resourceTypeSlug(type);
  const meant = slug === type ? ENDPOINT_NAMES[type] : slug;
  if (slug === type && meant === undefined) return;
  throw new TypeError(
    `'${pattern}' can never match: event names spell the resource type's name in snake case ` +
      `(User → user, EnterpriseDevice → enterprise_device)` +
      (meant === undefined || meant === '' ? '' : `; did you mean '${meant}.${action}'?`),
  );
}

/**
 * The error `onEvent` rejects with: the first handler's own error when it was the only failure (so
 * the outbox records its message), else one naming how many failed, with every error as `cause`.
 */
function failureOf(name: string, failures: readonly unknown[], total: number): unknown {
  if (failures.length === 1) return failures[0];
  return new AggregateError(failures, `${failures.length} of ${total} handlers of ${name} failed`);
}

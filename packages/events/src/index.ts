/**
 * `@scim/events`: SCIM security events (RFC 9967). Turns the lifecycle records of `@scim/server`'s
 * outbox into Security Event Token claims, signs them with a rotating key set whose public JWKS you
 * publish, verifies SETs on the receiving side, and signs and verifies plain webhooks.
 *
 * @example
 * ```ts
 * import { GroupResourceType, UserResourceType } from '@scim/core';
 * import { createSigningKeySet, generateSigningKey, signSet, toSetClaims } from '@scim/events';
 *
 * const keys = createSigningKeySet({ active: await generateSigningKey() });
 * const options = { issuer: 'https://scim.example.com', resourceTypes: [UserResourceType, GroupResourceType] };
 * for (const { event } of await handler.outbox.list()) {
 *   const result = toSetClaims(event, options);
 *   if (result.ok) for (const claims of result.value) console.log(await signSet(claims, keys.active));
 * }
 * // serve keys.jwks() at your jwks_uri
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9967
 * @packageDocumentation
 */
export type {
  ScimSubjectIdentifier,
  SetClaims,
  SetEventPayload,
  SubjectIdentifier,
} from './lib/claims.js';
export {
  toSetClaims,
  type SetBuildIssue,
  type SetBuildOptions,
  type SetBuildResult,
  type SetMode,
} from './lib/build.js';
export type { RiscSubjectOf } from './lib/risc.js';
export { toSecurityEventsConfig, type SecurityEventsConfig } from './lib/discovery.js';
export {
  createSigningKeySet,
  exportSigningKey,
  generateSigningKey,
  importSigningKey,
  type GenerateSigningKeyOptions,
  type JsonWebKeySet,
  type Jwk,
  type SetSigningAlgorithm,
  type SigningKey,
  type SigningKeySet,
} from './lib/keys.js';
export { signSet } from './lib/sign.js';
export {
  createRemoteJwks,
  verifySet,
  type RemoteJwks,
  type SetErrorCode,
  type SetVerifyIssue,
  type SetVerifyIssueCode,
  type SetVerifyOptions,
  type SetVerifyResult,
  type VerifiedSet,
} from './lib/verify.js';
export { createMemoryReplayCache, type MemoryReplayCache, type ReplayCache } from './lib/replay.js';
export {
  signWebhook,
  verifyWebhook,
  type WebhookIssue,
  type WebhookVerifyResult,
} from './lib/webhook.js';
export {
  checkReceiverUrl,
  type ReceiverUrlCheck,
  type ReceiverUrlIssueCode,
  type ReceiverUrlOptions,
  type ReceiverUrlResolver,
  type VettedAddress,
} from './lib/receiver-url.js';
export {
  pushSet,
  type PushErrorCode,
  type PushResult,
  type PushSetOptions,
} from './lib/push-transport.js';
export {
  createClientCredentials,
  type ClientCredentialsIssue,
  type ClientCredentialsOptions,
  type ClientCredentialsResult,
  type ClientCredentialsSource,
  type ClientCredentialsToken,
} from './lib/client-credentials.js';
export type {
  EventStream,
  NewQueuedSet,
  QueuedSet,
  QueuedSetState,
  SetQueue,
  StreamAuthorization,
  StreamDelivery,
  StreamStatus,
  StreamStore,
} from './lib/streams.js';
export {
  createPollEndpoint,
  type PollEndpoint,
  type PollEndpointContext,
  type PollEndpointOptions,
} from './lib/poll.js';
export type { PerTenant } from './lib/per-tenant.js';
export {
  createSsfEndpoints,
  type SsfContext,
  type SsfEndpointsOptions,
  type SsfGrant,
  type SsfHandler,
} from './lib/ssf.js';
export { createMemorySetQueue, type MemorySetQueueOptions } from './lib/memory-queue.js';
export { createChangeWaiters, type ChangeWaiters } from './lib/change-waiters.js';
export { createMemoryStreamStore } from './lib/memory-streams.js';
export {
  createEventPublisher,
  type EventPublisher,
  type EventPublisherOptions,
  type WebhookEventBody,
} from './lib/publisher.js';
export {
  createEventHandlers,
  toEventName,
  type EventHandlers,
  type HandledEvent,
  type HandledEventOf,
  type ScimEventAction,
  type ScimEventHandler,
  type ScimEventName,
  type ScimEventPattern,
} from './lib/handlers.js';
export {
  createStreamDeliverer,
  type StreamDeliverer,
  type StreamDelivererOptions,
  type StreamDeliveryMetrics,
  type StreamDeliveryOptions,
} from './lib/deliverer.js';
export {
  postWebhook,
  WEBHOOK_SIGNATURE_HEADER,
  type PostWebhookOptions,
} from './lib/webhook-transport.js';
export {
  createEventReceiver,
  type EventReceiver,
  type EventReceiverOptions,
  type ReceiveResult,
  type ReceiverTarget,
} from './lib/receiver.js';
export type { PollOnceOptions, PollOnceResult } from './lib/receiver-poll.js';
export {
  createResourceSource,
  type ResourceSource,
  type ResourceSourceOptions,
  type SourceRequest,
  type SourceResult,
} from './lib/receiver-source.js';
export {
  createMemoryReceiverState,
  type ReceivedSubjectState,
  type ReceiverStateStore,
  type ReceiverStateUpdate,
} from './lib/receiver-state.js';

// The public surface of @scim/events: adding or removing an export is a deliberate change to this list.
import { expect, it } from 'vitest';
import * as events from '@scim/events';

it('exports exactly the documented names', () => {
  expect(Object.keys(events).sort()).toEqual([
    'WEBHOOK_SIGNATURE_HEADER',
    'checkReceiverUrl',
    'createChangeWaiters',
    'createClientCredentials',
    'createEventHandlers',
    'createEventPublisher',
    'createEventReceiver',
    'createMemoryReceiverState',
    'createMemoryReplayCache',
    'createMemorySetQueue',
    'createMemoryStreamStore',
    'createPollEndpoint',
    'createRemoteJwks',
    'createResourceSource',
    'createSigningKeySet',
    'createSsfEndpoints',
    'createStreamDeliverer',
    'exportSigningKey',
    'generateSigningKey',
    'importSigningKey',
    'postWebhook',
    'pushSet',
    'signSet',
    'signWebhook',
    'toEventName',
    'toSecurityEventsConfig',
    'toSetClaims',
    'verifySet',
    'verifyWebhook',
  ]);
});

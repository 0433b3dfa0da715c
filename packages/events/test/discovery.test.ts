// The ServiceProviderConfig `securityEvents` attribute (RFC 9967 §4).
import { expect, it } from 'vitest';
import {
  GroupResourceType,
  PROV_CREATE_FULL_EVENT_URI,
  PROV_CREATE_NOTICE_EVENT_URI,
  PROV_DEACTIVATE_EVENT_URI,
  PROV_PUT_NOTICE_EVENT_URI,
  RISC_ACCOUNT_DISABLED_EVENT_URI,
  SCIM_EVENT_URIS,
  UserResourceType,
} from '@scim/core';
import { toSecurityEventsConfig } from '@scim/events';

const resourceTypes = [UserResourceType, GroupResourceType];

it('E-ASYNC-08: securityEvents lists eventUris within the twelve registered, and asyncRequest "none"', () => {
  const config = toSecurityEventsConfig({ resourceTypes });
  expect(config.asyncRequest).toBe('none');
  expect(config.eventUris.length).toBeGreaterThan(0);
  for (const uri of config.eventUris) expect(SCIM_EVENT_URIS).toContain(uri);
});

it('E-ASYNC-08: eventUris follow the modes: full for users, notice for groups by default', () => {
  const { eventUris } = toSecurityEventsConfig({ resourceTypes });
  expect(eventUris).toContain(PROV_CREATE_FULL_EVENT_URI);
  expect(eventUris).toContain(PROV_PUT_NOTICE_EVENT_URI);
  expect(eventUris).toContain(PROV_DEACTIVATE_EVENT_URI);
  const notice = toSecurityEventsConfig({ resourceTypes, modes: { User: 'notice' } });
  expect(notice.eventUris).not.toContain(PROV_CREATE_FULL_EVENT_URI);
  expect(notice.eventUris).toContain(PROV_CREATE_NOTICE_EVENT_URI);
});

it('E-ASYNC-08: RISC event URIs are advertised only when RISC events are on', () => {
  expect(toSecurityEventsConfig({ resourceTypes }).eventUris).not.toContain(
    RISC_ACCOUNT_DISABLED_EVENT_URI,
  );
  expect(toSecurityEventsConfig({ resourceTypes, risc: true }).eventUris).toContain(
    RISC_ACCOUNT_DISABLED_EVENT_URI,
  );
});

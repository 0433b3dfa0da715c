// The `securityEvents` attribute of the ServiceProviderConfig (RFC 9967 §4): what a server that
// publishes events with given options can emit, so that it advertises nothing it cannot send.
import {
  PROV_ACTIVATE_EVENT_URI,
  PROV_CREATE_FULL_EVENT_URI,
  PROV_CREATE_NOTICE_EVENT_URI,
  PROV_DEACTIVATE_EVENT_URI,
  PROV_DELETE_EVENT_URI,
  PROV_PATCH_FULL_EVENT_URI,
  PROV_PATCH_NOTICE_EVENT_URI,
  PROV_PUT_FULL_EVENT_URI,
  PROV_PUT_NOTICE_EVENT_URI,
  RISC_ACCOUNT_DISABLED_EVENT_URI,
  RISC_ACCOUNT_ENABLED_EVENT_URI,
  RISC_ACCOUNT_PURGED_EVENT_URI,
  RISC_IDENTIFIER_CHANGED_EVENT_URI,
  USER_SCHEMA_URN,
  type ScimResourceType,
} from '@scim/core';
import { modeFor, type SetBuildOptions } from './build.js';

/**
 * The `securityEvents` attribute of the ServiceProviderConfig (RFC 9967 §4). `asyncRequest` is
 * `none` until asynchronous requests are supported; `eventUris` is informational.
 * @example `{ asyncRequest: 'none', eventUris: ['urn:ietf:params:scim:event:prov:create:full', …] }`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-4
 */
export interface SecurityEventsConfig {
  readonly asyncRequest: 'none' | 'long' | 'request';
  readonly eventUris: readonly string[];
}

/**
 * The `securityEvents` a server publishing with these options advertises (RFC 9967 §4): every event
 * URI {@link toSetClaims} can emit for the resource types in their modes, RISC ones when enabled, and
 * `asyncRequest: "none"`.
 * @example
 * ```ts
 * const securityEvents = toSecurityEventsConfig({ resourceTypes: [UserResourceType, GroupResourceType] });
 * // eventUris: prov:create:full, prov:patch:full, prov:put:full, prov:delete, prov:activate,
 * //            prov:deactivate (Users); prov:create:notice, prov:patch:notice, prov:put:notice (Groups)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-4
 */
export function toSecurityEventsConfig(
  options: Pick<SetBuildOptions, 'resourceTypes' | 'modes' | 'risc'>,
): SecurityEventsConfig {
  const uris = new Set<string>();
  for (const resourceType of options.resourceTypes) {
    const mode = modeFor(resourceType, options.modes);
    if (mode === 'full') {
      uris.add(PROV_CREATE_FULL_EVENT_URI);
      uris.add(PROV_PATCH_FULL_EVENT_URI);
      uris.add(PROV_PUT_FULL_EVENT_URI);
    } else {
      uris.add(PROV_CREATE_NOTICE_EVENT_URI);
      uris.add(PROV_PATCH_NOTICE_EVENT_URI);
      uris.add(PROV_PUT_NOTICE_EVENT_URI);
    }
    uris.add(PROV_DELETE_EVENT_URI);
    if (hasActive(resourceType)) {
      uris.add(PROV_ACTIVATE_EVENT_URI);
      uris.add(PROV_DEACTIVATE_EVENT_URI);
    }
    if (options.risc === true && resourceType.schema.id === USER_SCHEMA_URN) {
      uris.add(RISC_ACCOUNT_DISABLED_EVENT_URI);
      uris.add(RISC_ACCOUNT_ENABLED_EVENT_URI);
      uris.add(RISC_ACCOUNT_PURGED_EVENT_URI);
      uris.add(RISC_IDENTIFIER_CHANGED_EVENT_URI);
    }
  }
  return { asyncRequest: 'none', eventUris: [...uris] };
}

function hasActive(resourceType: ScimResourceType): boolean {
  return resourceType.schema.attributes.some((attribute) => attribute.name === 'active');
}

// The `securityEvents` attribute of the ServiceProviderConfig (RFC 9967 §4): what a server that
// publishes events with given options can emit, so that it advertises nothing it cannot send.
import {
  MISC_ASYNCRESP_EVENT_URI,
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
 * The `securityEvents` attribute of the ServiceProviderConfig (RFC 9967 §4). `asyncRequest` says
 * whether the server answers asynchronously (`request`: when asked, `long`: at its discretion);
 * `eventUris` is informational. `createScimHandler`'s `securityEvents` option takes it, and sets
 * `asyncRequest` from its own `asyncRequests` option.
 * @example `{ asyncRequest: 'none', eventUris: ['urn:ietf:params:scim:event:prov:create:full', …] }`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-4
 */
export interface SecurityEventsConfig {
  readonly asyncRequest: 'none' | 'long' | 'request';
  readonly eventUris: readonly string[];
}

/**
 * The `securityEvents` a server publishing with these options advertises (RFC 9967 §4): every event
 * URI {@link toSetClaims} can emit for the resource types in their modes, RISC ones when enabled,
 * and `asyncRequest` as given (default `none`); `misc:asyncresp` too when that is not `none`.
 * @example
 * ```ts
 * const securityEvents = toSecurityEventsConfig({ resourceTypes: [UserResourceType, GroupResourceType] });
 * // eventUris: prov:create:full, prov:patch:full, prov:put:full, prov:delete, prov:activate,
 * //            prov:deactivate (Users); prov:create:notice, prov:patch:notice, prov:put:notice (Groups)
 * toSecurityEventsConfig({ resourceTypes, asyncRequest: 'request' }); // … and misc:asyncresp
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-4
 */
export function toSecurityEventsConfig(
  options: Pick<SetBuildOptions, 'resourceTypes' | 'modes' | 'risc'> & {
    /** The server's `asyncRequests.mode` (default `none`). */
    readonly asyncRequest?: SecurityEventsConfig['asyncRequest'] | undefined;
  },
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
  const asyncRequest = options.asyncRequest ?? 'none';
  if (asyncRequest !== 'none') uris.add(MISC_ASYNCRESP_EVENT_URI);
  return { asyncRequest, eventUris: [...uris] };
}

function hasActive(resourceType: ScimResourceType): boolean {
  return resourceType.schema.attributes.some((attribute) => attribute.name === 'active');
}

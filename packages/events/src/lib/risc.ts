// Derived OpenID RISC events: the same change told in the vocabulary of receivers that speak RISC but
// not SCIM (Shared Signals transmitters and receivers). Each is a SET of its own, sharing the SCIM
// SET's `txn`, so a receiver that reads both can tell they describe one change.
import {
  RISC_ACCOUNT_DISABLED_EVENT_URI,
  RISC_ACCOUNT_ENABLED_EVENT_URI,
  RISC_ACCOUNT_PURGED_EVENT_URI,
  RISC_IDENTIFIER_CHANGED_EVENT_URI,
  type ScimResource,
} from '@scim/core';
import type { ScimSubjectIdentifier, SetEventPayload, SubjectIdentifier } from './claims.js';

/**
 * Picks the `sub_id` of a derived RISC SET from the user it is about.
 * @example `(user, scim) => ({ format: 'opaque', id: user.id as string })`
 * @see https://www.rfc-editor.org/rfc/rfc9493#section-3
 */
export type RiscSubjectOf = (
  resource: ScimResource,
  scimSubject: ScimSubjectIdentifier,
) => SubjectIdentifier;

/** What a change means for one user account, in RISC terms. */
export type AccountChange = 'disabled' | 'enabled' | 'purged';

/** The subject and events of one derived RISC SET. */
export interface RiscSet {
  readonly subject: SubjectIdentifier;
  readonly events: Readonly<Record<string, SetEventPayload>>;
}

const ACCOUNT_EVENTS: Readonly<Record<AccountChange, string>> = {
  disabled: RISC_ACCOUNT_DISABLED_EVENT_URI,
  enabled: RISC_ACCOUNT_ENABLED_EVENT_URI,
  purged: RISC_ACCOUNT_PURGED_EVENT_URI,
};

/**
 * The default RISC subject: the user's e-mail address (primary, else the first), which RISC receivers
 * match accounts by; the SCIM subject when the user has none.
 */
export const emailOrScimSubject: RiscSubjectOf = (resource, scimSubject) => {
  const email = primaryEmail(resource);
  return email === undefined ? scimSubject : { format: 'email', email };
};

/** The RISC SETs one change of a user implies. */
export function riscSets(
  change: {
    readonly account?: AccountChange | undefined;
    readonly previous: ScimResource | undefined;
    readonly next: ScimResource | undefined;
  },
  subjectOf: (resource: ScimResource) => SubjectIdentifier,
): RiscSet[] {
  const sets: RiscSet[] = [];
  const current = change.next ?? change.previous;
  if (change.account !== undefined && current !== undefined)
    sets.push({ subject: subjectOf(current), events: { [ACCOUNT_EVENTS[change.account]]: {} } });
  // Identifier Changed names the old e-mail address as its subject, which must be an e-mail or a
  // phone number (OpenID RISC Profile 1.0 §2.5); SCIM phone numbers need not be E.164, so only
  // e-mail addresses are told.
  const before = change.previous && primaryEmail(change.previous);
  const after = change.next && primaryEmail(change.next);
  if (before !== undefined && after !== undefined && before.toLowerCase() !== after.toLowerCase())
    sets.push({
      subject: { format: 'email', email: before },
      events: { [RISC_IDENTIFIER_CHANGED_EVENT_URI]: { 'new-value': after } },
    });
  return sets;
}

/** The primary e-mail address of a user, else its first (RFC 7643 §4.1.2). */
function primaryEmail(resource: ScimResource): string | undefined {
  const emails = resource.emails;
  if (!Array.isArray(emails)) return undefined;
  const values = (emails as unknown[]).filter(
    (email): email is { value: string; primary?: unknown } =>
      typeof email === 'object' &&
      email !== null &&
      typeof (email as { value?: unknown }).value === 'string',
  );
  return (values.find((email) => email.primary === true) ?? values[0])?.value;
}

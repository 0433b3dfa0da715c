// One SET of a lifecycle record, planned: what is fixed when it is queued (`jti`, `iat`, `txn`, its
// subject and event URIs), and its claims, written when asked for. A queue that keeps the plan (the
// memory queue) has the claims written when it first hands the SET out, as it has it signed then;
// a write pays for deciding what its SETs say, not for writing every object of them. Each payload
// is made from the record, which nothing changes once written, so the claims read the same
// whenever they are written.
import { parseDateTime, randomUuid } from '@scim/core';
import type { LifecycleEvent } from '@scim/server';
import type { SetBuildOptions } from './build.js';
import type { SetClaims, SetEventPayload, SubjectIdentifier } from './claims.js';

/**
 * One event of a SET: its URI, and its payload, made when the claims are written. Every payload
 * maker reads only what the record checks (record-shape.ts) have passed, and cannot throw.
 */
export type ToldEvent = readonly [uri: string, payload: () => SetEventPayload];

/** A SET of one record whose claims are written when asked for. */
export interface PlannedSet {
  readonly jti: string;
  readonly txn: string;
  /** The URIs its `events` claim holds, in that order; frozen and shared by SETs of one kind. */
  readonly eventUris: readonly string[];
  /**
   * The claims, a new object on each call, saying the same every time (a payload made when the SET
   * was planned is shared by the calls).
   */
  readonly claims: () => SetClaims;
}

/** Plans the SETs of one record, each with its subject and events. */
export type PlanOf = (subject: SubjectIdentifier, events: readonly ToldEvent[]) => PlannedSet;

/** What planning reads of the options. */
export type PlanOptions = Pick<SetBuildOptions, 'issuer' | 'audience' | 'now' | 'newJti'>;

/**
 * Plans the SETs about the record: its issuer, audience, txn and time resolved now, and for each
 * SET its `iat` and a new `jti` when it is planned.
 */
export function plannerOf(event: LifecycleEvent, options: PlanOptions): PlanOf {
  const { now, audience } = options;
  const newJti = options.newJti ?? randomUuid;
  // A function of the application's, called now: one that throws fails the record's fan-out, which
  // the server retries, rather than a delivery later.
  const issuer = typeof options.issuer === 'string' ? options.issuer : options.issuer(event.tenant);
  const txn = event.changeId ?? event.id;
  const { occurredAt } = event;
  return (subject, told) => {
    // The system clock without a Date object: each write plans a few SETs.
    const iat = Math.floor((now === undefined ? Date.now() : now().getTime()) / 1000);
    const jti = newJti();
    const claims = (): SetClaims => {
      // An xsd:dateTime (what the server writes, read digit by digit) is UTC without an offset;
      // any other text as JavaScript reads it.
      const occurred = parseDateTime(occurredAt) ?? Date.parse(occurredAt);
      // To the millisecond, as a fraction (a NumericDate may have one, RFC 7519 §2): a receiver
      // orders two changes of one second by it, and tells a source that does not show a change yet.
      const toe = Number.isFinite(occurred) ? occurred / 1000 : undefined;
      const events: Record<string, SetEventPayload> = {};
      for (const [uri, payload] of told) events[uri] = payload();
      // Literals rather than spreads, each keeping the claims' order.
      if (audience === undefined)
        return toe === undefined
          ? { iss: issuer, iat, jti, txn, sub_id: subject, events }
          : { iss: issuer, iat, jti, txn, toe, sub_id: subject, events };
      return toe === undefined
        ? { iss: issuer, iat, jti, aud: audience, txn, sub_id: subject, events }
        : { iss: issuer, iat, jti, aud: audience, txn, toe, sub_id: subject, events };
    };
    return { jti, txn, eventUris: uriListOf(told), claims };
  };
}

/** The most distinct URI lists kept to share: there are about a dozen in RFC 9967. */
const MAX_URI_LISTS = 256;

/**
 * The frozen URI lists handed out so far, one per distinct list: a queue keeps each SET's list, and
 * thousands of SETs share these. Constants of the RFC only, so one table serves every publisher.
 */
const uriLists = new Map<string, readonly string[]>();

function uriListOf(told: readonly ToldEvent[]): readonly string[] {
  const first = told[0]?.[0] ?? '';
  const key = told.length === 1 ? first : told.map(([uri]) => uri).join(' ');
  const known = uriLists.get(key);
  if (known !== undefined) return known;
  const list = Object.freeze(told.map(([uri]) => uri));
  if (uriLists.size < MAX_URI_LISTS) uriLists.set(key, list);
  return list;
}

/** A payload made already, handed out as it is. */
export function madeOf(payload: SetEventPayload): () => SetEventPayload {
  return () => payload;
}

/** An empty payload (`prov:delete`, `prov:deactivate`, RISC account events), new on each call. */
export const emptyPayload = (): SetEventPayload => ({});

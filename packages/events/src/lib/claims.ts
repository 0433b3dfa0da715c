// The shape of a SCIM Security Event Token's claims (RFC 8417 §2.2, RFC 9967 §2): what `toSetClaims`
// builds, `signSet` signs and `verifySet` hands back.

/**
 * A subject identifier (RFC 9493 §3): a `format` and the members that format defines, such as
 * `{ format: 'email', email }`. SCIM events use {@link ScimSubjectIdentifier}.
 * @example `{ format: 'email', email: 'bjensen@example.com' }`
 * @see https://www.rfc-editor.org/rfc/rfc9493#section-3
 */
export interface SubjectIdentifier {
  readonly format: string;
  readonly [member: string]: unknown;
}

/**
 * The subject of a SCIM event (RFC 9967 §2.1): the resource's path relative to the Base URI, and its
 * `externalId` when it has one.
 * @example `{ format: 'scim', uri: '/Users/2819c223', externalId: '701984' }`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.1
 */
export interface ScimSubjectIdentifier extends SubjectIdentifier {
  readonly format: 'scim';
  /** The resource type's endpoint and the resource's id, such as `/Users/2819c223`. */
  readonly uri: string;
  readonly externalId?: string;
}

/**
 * One event's payload in the `events` claim: for SCIM provisioning events `version`, and `data` or
 * `attributes`; `{}` for delete, activate and deactivate (RFC 9967 §2.2, §2.4).
 * @example `{ version: 'W/"a330bc54f0671c9"', attributes: ['members'] }`
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2.2
 */
export interface SetEventPayload {
  /** The resource's ETag after the change (RFC 9967 §2.2). */
  readonly version?: string;
  /** `:full` events: the resource, or the PatchOp message, as processed. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** `:notice` events: the attribute paths set or modified. */
  readonly attributes?: readonly string[];
  readonly [member: string]: unknown;
}

/**
 * The claims of one Security Event Token (RFC 8417 §2.2) as RFC 9967 profiles them: the subject is
 * the top-level `sub_id` (never `sub`), and `txn` names the change, the same in every SET about it.
 * @example
 * ```ts
 * const claims: SetClaims = {
 *   iss: 'https://scim.example.com', iat: 1767225600, jti: '4d3559ec', txn: 'e1',
 *   sub_id: { format: 'scim', uri: '/Users/2819c223' },
 *   events: { 'urn:ietf:params:scim:event:prov:delete': {} },
 * };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9967#section-2
 */
export interface SetClaims {
  readonly iss: string;
  /** When the SET was issued, in seconds since the epoch. */
  readonly iat: number;
  /** Unique per SET, also per copy sent to a different receiver. */
  readonly jti: string;
  readonly aud?: string | readonly string[];
  /** The change this SET tells of, the same across retransmissions and receivers (RFC 9967 §2.2). */
  readonly txn: string;
  /** When the change happened, in seconds since the epoch (RFC 8417 §2.2). */
  readonly toe?: number;
  readonly sub_id: SubjectIdentifier;
  /** Event URI → payload; several URIs describe one change of one subject (RFC 9967 §2.1). */
  readonly events: Readonly<Record<string, SetEventPayload>>;
}

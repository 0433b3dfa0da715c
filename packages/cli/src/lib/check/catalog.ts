// What `scim check` knows about each case of the conformance kit (@scim/server/testing), which
// itself carries only an id, a title and a function that throws: the features a case needs (so it is
// skipped when /ServiceProviderConfig does not advertise them), the topic it belongs to, and per
// topic the checklist rows (hence the RFC section) and the usual fix. Case ids that are checklist
// rows cite themselves first. A failure message may name a more precise rule: the message rules
// below, and row IDs the kit puts in parentheses, "(P-CRUD-04)", come first then.
// test/catalog.test.ts holds this table to the kit: every case listed, and every feature a case's
// requests use (against the reference handler) named here.
import { RFC_ROWS } from '../generated/rfc-rows.js';
import type { CitedRow, ScimFeature } from '../types.js';

const TOPICS = {
  spc: [
    ['P-DISC-01', 'P-DISC-02'],
    'Serve GET /ServiceProviderConfig as one JSON object (not a ListResponse) whose patch, bulk, filter, changePassword, sort and etag members say what the server really does.',
  ],
  'resource-types': [
    ['P-DISC-08', 'P-DISC-09'],
    'List every resource type at GET /ResourceTypes as a ListResponse, each with name, endpoint ("/Users", "/Groups") and schema.',
  ],
  schemas: [
    ['P-DISC-11', 'P-DISC-12', 'P-DISC-13'],
    'Serve GET /Schemas as a ListResponse and each schema at /Schemas/{URN}; generate them from the definitions the server validates with, so they cannot drift.',
  ],
  'schemas-entra': [
    ['P-DISC-13', 'P-DISC-11'],
    'Describe every attribute Entra maps in /Schemas, with camel-cased characteristics and no null values.',
  ],
  create: [
    ['P-CRUD-01', 'P-CRUD-03', 'P-CRUD-02'],
    'Answer a successful POST with exactly 201 and the created resource: a server-assigned id, meta.created, meta.lastModified and meta.location.',
  ],
  location: [
    ['P-CRUD-03', 'S-COMMON-15'],
    "Send a Location header equal to meta.location, built from the server's public base URL.",
  ],
  'etag-header': [
    ['P-CRUD-04', 'P-ETAG-01', 'S-COMMON-16'],
    'With versioning on, send an ETag header on every single-resource response, equal to meta.version; with it off, advertise etag.supported false.',
  ],
  password: [
    ['S-CHAR-21', 'S-USER-04'],
    'Accept password on create and update, keep only a hash, and leave it out of every response.',
  ],
  'server-id': [
    ['S-COMMON-05', 'S-COMMON-04', 'S-COMMON-06'],
    'Assign ids on the server: ignore an id in the POST body, keep it stable, never put "bulkId" in it, and compare ids case-sensitively.',
  ],
  uniqueness: [
    ['S-CHAR-26', 'S-USER-02'],
    'Check userName uniqueness case-insensitively (a unique index on the folded value) and answer a clash with 409 and scimType uniqueness.',
  ],
  'rename-reuse': [
    ['S-USER-02', 'P-CRUD-16'],
    'Check uniqueness against current values only: after a rename, the old userName is free again.',
  ],
  syntax: [
    ['P-CRUD-06', 'P-ERR-07'],
    'Parse the JSON body before anything else and answer a parse error with 400 and scimType invalidSyntax, never 500.',
  ],
  'invalid-create': [
    ['P-ERR-10', 'P-CRUD-06', 'S-CHAR-26'],
    'Validate the body before storing: a missing userName is 400 invalidValue, broken JSON 400 invalidSyntax, a duplicate 409 with a detail.',
  ],
  'invalid-put': [
    ['P-PUT-08', 'S-EXT-12'],
    'A PUT without a required attribute is 400; attributes no schema defines are ignored, not stored and not an error.',
  ],
  'not-found': [
    ['P-CRUD-08', 'P-CRUD-07'],
    'Answer an unknown id with 404 and a SCIM Error body ({"schemas":[Error],"status":"404","detail":…}), never 200, 400 or 500.',
  ],
  list: [
    ['P-PAGE-09', 'P-PAGE-10'],
    'Answer every query with a ListResponse (schemas, integer totalResults, Resources), even when nothing matches.',
  ],
  'empty-query': [
    ['P-CRUD-09', 'X-ENTRA-09'],
    'A query that matches nothing is 200 with totalResults 0 and Resources []: count only what the filter matched, and never answer 404.',
  ],
  filter: [
    ['P-FILTER-01', 'P-FILTER-08', 'P-FILTER-22'],
    'Apply the filter to the query: attribute names are case-insensitive and userName compares case-insensitively; a filter the server cannot apply is 400 invalidFilter, never ignored.',
  ],
  'complex-filter': [
    ['P-FILTER-16', 'X-ENTRA-10'],
    'Compare a filter on a complex attribute without sub-attribute (manager eq "…") with its value sub-attribute.',
  ],
  'entra-query': [
    ['P-FILTER-22', 'X-ENTRA-10'],
    'Support eq and and on every attribute Entra matches on (userName, externalId, displayName).',
  ],
  'entra-value-filter': [
    ['P-FILTER-18', 'X-ENTRA-05'],
    'Accept emails[type eq "work"].value eq "…", the filter Entra matches users with (not in the RFC grammar; the entra preset accepts it).',
  ],
  'entra-unquoted': [
    ['P-FILTER-03'],
    'Entra sends unquoted filter values (externalId eq jyoung); the RFC grammar forbids them, so this is not required. The entra compatibility preset reads them as strings.',
  ],
  names: [
    ['S-EXT-04', 'S-EXT-05'],
    'Resolve attribute names case-insensitively in bodies, filters and paths ("UserName", "Primary", "Manager": {"Value"}) and answer with the schema spelling.',
  ],
  projection: [
    ['P-PROJ-06', 'P-PROJ-02'],
    'Honour attributes and excludedAttributes on every read and query (Entra sends excludedAttributes=members on group reads); id and schemas stay.',
  ],
  paging: [
    ['P-PAGE-08', 'P-PAGE-12', 'P-PAGE-14'],
    'Page with startIndex (1-based) and count: integer totalResults, itemsPerPage and startIndex, at most count resources, in an order that stays put across pages.',
  ],
  put: [
    ['P-CRUD-10', 'P-PUT-02', 'P-PUT-03'],
    'PUT replaces the resource: set what is given, clear readWrite attributes left out, ignore readOnly ones, and answer 200 with the resource.',
  ],
  'put-unknown': [['P-CRUD-11'], 'Answer a PUT of an unknown id with 404: PUT never creates.'],
  'read-only-ignored': [
    ['P-PUT-07', 'S-COMMON-10'],
    'Ignore readOnly attributes in a PUT body (id, meta, groups, members.display): Okta sends back the whole resource it read.',
  ],
  patch: [
    ['P-PATCH-16', 'P-PATCH-09'],
    'Apply every operation in order and store the result before answering 200 with the updated resource, or 204.',
  ],
  'patch-200': [
    ['P-PATCH-16'],
    "Answer a user PATCH with 200 and the resource as application/scim+json: Entra's SCIM Validator expects it.",
  ],
  'patch-atomic': [
    ['P-PATCH-10'],
    'Apply the operations to a copy and store it only when all of them succeeded; a failing operation is 400 with its scimType and changes nothing.',
  ],
  'patch-members': [
    ['P-PATCH-35', 'P-PATCH-28', 'P-PATCH-51'],
    'Remove only the members a filter selects, add members without duplicates, and accept several membership changes in one PATCH.',
  ],
  'patch-path': [
    ['P-PATCH-29', 'P-PATCH-48', 'P-PATCH-30'],
    'Resolve PATCH paths with sub-attributes (name.familyName) and value filters (emails[type eq "work"].value).',
  ],
  'patch-clear': [
    ['P-PATCH-50', 'P-PATCH-32'],
    'A replace with "" or null, or a remove by path, unassigns the attribute: answer 200 or 204 and read back without it.',
  ],
  'empty-ops': [
    ['P-PATCH-02'],
    "Entra's SCIM Validator sends a PATCH with an empty Operations array: accept it as a no-op.",
  ],
  deactivate: [
    ['P-PATCH-43', 'X-ENTRA-10'],
    'Deactivation is a replace of active with false: the user stays readable and found by queries, with active false, until it is deleted.',
  ],
  'okta-pathless': [
    ['P-PATCH-42'],
    'Apply a path-less replace ({"op":"replace","value":{"active":false}}) key by key; an id equal to the resource id in the value is ignored.',
  ],
  'entra-ops': [
    ['P-PATCH-03', 'X-ENTRA-01'],
    'Compare op case-insensitively: Entra sends Add, Replace and Remove.',
  ],
  'entra-boolean': [
    ['S-TYPE-02', 'X-ENTRA-03'],
    'Accept the strings "True" and "False" for boolean attributes, as Entra sends them; other strings are 400 invalidValue.',
  ],
  'entra-member-remove': [
    ['P-PATCH-41', 'X-ENTRA-02'],
    'A Remove of members with a value list removes exactly the listed members, never all of them.',
  ],
  'entra-pathless': [
    ['P-PATCH-42', 'X-ENTRA-04'],
    'In a path-less replace, read each key as an attribute path ("name.givenName", "urn:…:User:employeeNumber"), not as a literal name.',
  ],
  'entra-manager': [
    ['P-PATCH-26', 'X-ENTRA-06'],
    'Accept manager as a bare id or a one-element array and store {"value": id}; a replace with "" clears it.',
  ],
  'entra-filter-path': [
    ['P-PATCH-30', 'X-ENTRA-08'],
    'An add (or, in the entra preset, replace) through emails[type eq "work"].value creates the work email when none exists.',
  ],
  'entra-create': [
    ['P-CRUD-01', 'X-ENTRA-07'],
    'Ignore unknown schema URNs that carry no attributes, meta in the body, "$ref": null and null values; answer 201 with the resource.',
  ],
  delete: [
    ['P-CRUD-13', 'P-CRUD-14', 'P-CRUD-15'],
    'Answer a successful DELETE with 204 and no body; afterwards the id is 404 and queries no longer find it.',
  ],
  'etag-if-match': [
    ['P-ETAG-06', 'P-ETAG-09'],
    'Compare If-Match with the current version before writing: a mismatch is 412 with a SCIM Error and no change.',
  ],
  'etag-if-none-match': [
    ['P-ETAG-04', 'P-ETAG-01'],
    'On GET, answer 304 without a body when If-None-Match equals the current ETag.',
  ],
  cursor: [
    ['C-CUR-06', 'C-CUR-03', 'C-CUR-05', 'C-CUR-10'],
    'Return a URL-safe nextCursor on every page but the last, so that following it yields every match once; a forged cursor is 400 invalidCursor.',
  ],
  'cursor-previous': [
    ['C-CUR-04'],
    'Leave previousCursor out of the first page; on a later page it must lead back to the page before.',
  ],
  bulk: [
    ['P-BULK-13', 'P-BULK-14', 'P-BULK-06'],
    'Replace every "bulkId:x" in data with the id its POST created, also when the reference comes first, and report each status and location.',
  ],
  auth: [
    ['P-ERR-01', 'P-HTTP-07'],
    'Answer a missing or wrong bearer token with 401, WWW-Authenticate and a SCIM Error body whose status is "401".',
  ],
  'content-type': [
    ['P-HTTP-01'],
    'Send Content-Type: application/scim+json with every response body, errors included: set it where responses are written, once.',
  ],
  'error-status': [
    ['P-ERR-02'],
    'Put the HTTP status in the error body as a JSON string ("status": "404"), equal to the response status.',
  ],
  'error-body': [
    ['P-ERR-01'],
    'Answer errors with a SCIM Error body: schemas [urn:ietf:params:scim:api:messages:2.0:Error], status and detail.',
  ],
  integers: [
    ['P-PAGE-08', 'P-PAGE-07'],
    'Send totalResults, startIndex and itemsPerPage as JSON numbers, not strings (Okta rejects strings).',
  ],
  network: [
    [],
    'The server did not answer in time or closed the connection: check that it runs at that address, and look in its log for a crash or a hang on this request.',
  ],
} as const satisfies Record<string, readonly [readonly string[], string]>;

type Topic = keyof typeof TOPICS;
type Entry = readonly [topic: Topic, ...features: ScimFeature[]];

/** Every case of the kit: its topic, then the features it needs. */
export const CASES: Readonly<Record<string, Entry>> = {
  'P-DISC-01': ['spc'],
  'P-DISC-08': ['resource-types'],
  'P-DISC-11': ['schemas'],
  'P-CRUD-01': ['create'],
  'S-CHAR-26': ['uniqueness'],
  'P-CRUD-06': ['syntax'],
  'P-CRUD-08': ['not-found'],
  'X-ENTRA-09': ['empty-query', 'filter'],
  'P-FILTER-08': ['filter', 'filter'],
  'P-CRUD-10': ['put'],
  'P-CRUD-11': ['put-unknown'],
  'P-PATCH-16': ['patch', 'patch'],
  'P-PATCH-10': ['patch-atomic', 'patch'],
  'P-PATCH-35': ['patch-members', 'patch', 'groups'],
  'P-CRUD-13': ['delete'],
  'P-ETAG-06': ['etag-if-match', 'etag'],
  'P-ETAG-04': ['etag-if-none-match', 'etag'],
  'C-CUR-06': ['cursor', 'filter', 'cursor'],
  'C-CUR-04': ['cursor-previous', 'filter', 'cursor'],
  'P-BULK-13': ['bulk', 'bulk', 'groups'],
  // Microsoft Entra ID: its tutorial's exchanges (E), known-issues quirks (3.1-n, 2a-n), SCIM
  // Validator (SV-n), gallery tests (LA-n) and Postman collection (P1–P23).
  E1: ['entra-create'],
  E2: ['not-found'],
  E3: ['filter', 'filter'],
  E4: ['empty-query', 'filter'],
  E5: ['patch-path', 'patch'],
  E6: ['patch', 'patch', 'filter'],
  E7: ['deactivate', 'patch', 'filter'],
  E8: ['delete'],
  E9: ['entra-create', 'groups'],
  E10: ['projection', 'patch', 'filter', 'groups'],
  E11: ['patch-members', 'patch', 'groups'],
  E12: ['delete', 'groups'],
  E13: ['entra-unquoted', 'filter'],
  E14: ['complex-filter', 'filter'],
  E15: ['entra-manager', 'patch'],
  '3.1-1': ['entra-ops', 'patch'],
  '3.1-2': ['entra-boolean', 'patch'],
  '3.1-3': ['entra-member-remove', 'patch', 'groups'],
  '3.1-4': ['entra-pathless', 'patch'],
  '3.1-5': ['patch-path', 'patch'],
  '3.1-6': ['entra-manager', 'patch'],
  '3.1-7': ['entra-filter-path', 'patch'],
  '3.1-7 replace': ['entra-filter-path', 'patch'],
  '3.1-10': ['entra-create'],
  '3.1-12': ['names', 'filter'],
  '3.1-16': ['empty-query', 'filter', 'groups'],
  '3.1-20': ['deactivate', 'patch', 'filter'],
  '3.1-21': ['entra-query', 'filter'],
  '2a-1': ['entra-value-filter', 'filter'],
  '2a-5': ['schemas-entra'],
  '2a-17': ['patch-members', 'patch', 'groups'],
  'SV-1': ['create'],
  'SV-3': ['filter', 'filter'],
  'SV-5': ['patch-path', 'patch'],
  'SV-7': ['deactivate', 'patch', 'filter'],
  'SV-8': ['empty-ops', 'patch'],
  'SV-10': ['rename-reuse', 'patch'],
  'SV-11': ['patch-200', 'patch'],
  'LA-4': ['delete', 'filter'],
  'LA-15': ['schemas-entra'],
  'LA-16': ['patch-clear', 'patch'],
  'LA-16 batch': ['entra-pathless', 'patch'],
  'LA-18': ['patch', 'patch'],
  'LA-19': ['patch', 'patch', 'groups'],
  'LA-23': ['paging'],
  'LA-24': ['paging', 'groups'],
  'LA-25': ['entra-manager', 'patch'],
  P1: ['list', 'groups'],
  P2: ['resource-types'],
  // P3 sends no PATCH but checks that patch.supported is true.
  P3: ['spc', 'patch'],
  P4: ['schemas'],
  P5: ['names'],
  P7: ['projection', 'filter'],
  P9: ['patch', 'patch'],
  P11: ['patch-members', 'patch', 'groups'],
  P12: ['projection'],
  P13: ['entra-boolean'],
  P14: ['invalid-create'],
  P16: ['invalid-put'],
  P18: ['patch', 'patch'],
  P19: ['paging'],
  P20: ['entra-unquoted', 'filter'],
  P21: ['entra-unquoted', 'filter'],
  P22: ['patch-members', 'patch', 'groups'],
  P23: ['projection', 'groups'],
  // Okta: its SPEC test (O1–O12) and its provisioning traffic (2b-n, 3.2-n).
  O1: ['paging'],
  O3: ['empty-query', 'filter'],
  O4: ['not-found'],
  O6: ['create'],
  O9: ['filter', 'filter'],
  O10: ['list', 'groups'],
  O11: ['auth'],
  '2b-4': ['server-id'],
  '2b-8': ['paging', 'filter'],
  '2b-12': ['paging', 'groups'],
  '3.2-2': ['password', 'filter'],
  '3.2-3': ['read-only-ignored', 'filter'],
  '3.2-4': ['okta-pathless', 'patch', 'filter', 'changePassword'],
  '3.2-5': ['put', 'filter'],
  '3.2-6': ['okta-pathless', 'patch', 'groups'],
  '3.2-7': ['patch-members', 'patch', 'filter', 'groups'],
  'O-CRUD': ['put', 'patch', 'filter'],
};

/** Failure messages that name a more precise rule than the case's topic (the kit's own checks). */
const MESSAGE_RULES: readonly (readonly [RegExp, Topic])[] = [
  [/Content-Type must be/, 'content-type'],
  [/the response is not JSON/, 'content-type'],
  [/error body's status must be the string/, 'error-status'],
  [/error body needs the Error schema/, 'error-body'],
  [/must be a JSON integer/, 'integers'],
  [/Resources must be an array/, 'list'],
  [/^no response\b/, 'network'],
];

/**
 * Failures that only show that the server lacks a feature it does not advertise: the kit checks it
 * regardless (P-CRUD-01 compares ETag with meta.version even when etag.supported is false).
 */
export const FEATURE_FAILURES: readonly (readonly [RegExp, ScimFeature])[] = [
  [/ETag must equal meta\.version/, 'etag'],
];

/** The profile a case belongs to, from its id. */
export function familyOf(id: string): 'rfc' | 'entra' | 'okta' {
  if (/^(O\d+|O-CRUD|2b-\d+|3\.2-\d+)$/.test(id)) return 'okta';
  if (/^(E\d+|P\d+|SV-\d+|LA-\d+|3\.1-\d+|2a-\d+)( .*)?$/.test(id)) return 'entra';
  return 'rfc';
}

/** The features a case needs; none for a case the catalog does not know (a newer kit). */
export function featuresOf(id: string): readonly ScimFeature[] {
  const [, ...features] = CASES[id] ?? ['network'];
  return [...new Set(features)];
}

function cite(id: string): CitedRow | undefined {
  const row = RFC_ROWS[id];
  return row === undefined ? undefined : { id, ref: row[0], level: row[1], requirement: row[2] };
}

/** `7644 §3.5.2` → `RFC 7644 §3.5.2` and its rfc-editor.org address. */
function sectionOf(ref: string): { section: string; url: string } | undefined {
  const match = /\b(\d{4}) §(\d+(?:\.\d+)*)/.exec(ref);
  if (match === null) return undefined;
  const [, rfc, section] = match as unknown as [string, string, string];
  return {
    section: `RFC ${rfc} §${section}`,
    url: `https://www.rfc-editor.org/rfc/rfc${rfc}#section-${section}`,
  };
}

/** What a result cites: its rows (most precise first), the RFC section and the usual fix. */
export interface Citation {
  readonly rows: readonly CitedRow[];
  readonly rfc?: { readonly section: string; readonly url: string };
  readonly hint: string;
}

/** The rows, RFC section and hint for a case, refined by its failure message when there is one. */
export function citationOf(id: string, message?: string): Citation {
  const topic: Topic = CASES[id]?.[0] ?? 'network';
  const ruled =
    message === undefined ? undefined : MESSAGE_RULES.find(([pattern]) => pattern.test(message));
  const named = message === undefined ? [] : (message.match(/\b[A-Z]-[A-Z]+-\d{2}\b/g) ?? []);
  const ids = [
    ...(ruled === undefined ? [] : TOPICS[ruled[1]][0]),
    ...named,
    id,
    ...TOPICS[topic][0],
  ];
  // Rows of an RFC rule before interop rows (Entra's, Okta's), so the first row is the rule broken.
  const rows = [...new Set(ids)]
    .map(cite)
    .filter((row) => row !== undefined)
    .sort(
      (a, b) => Number(sectionOf(b.ref) !== undefined) - Number(sectionOf(a.ref) !== undefined),
    );
  const rfc = rows[0] === undefined ? undefined : sectionOf(rows[0].ref);
  // The hint of the most precise rule: a message rule, then a topic led by a row the message names.
  const namedTopic = (Object.keys(TOPICS) as Topic[]).find(
    (name) => named.length > 0 && TOPICS[name][0][0] === named[0],
  );
  const hint = TOPICS[ruled?.[1] ?? namedTopic ?? topic][1];
  return { rows, ...(rfc === undefined ? {} : { rfc }), hint };
}

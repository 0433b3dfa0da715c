// The query parameters of RFC 7644 §3.4.2 and RFC 9865, read from a URL or a SearchRequest body.
import { ScimError, SEARCH_REQUEST_URN } from '@scim/core';

/** The query parameters of RFC 7644 §3.4.2, as text from a URL or values from a SearchRequest. */
export interface QueryParameters {
  readonly filter: string | undefined;
  readonly sortBy: string | undefined;
  readonly sortOrder: string | undefined;
  readonly startIndex: number | undefined;
  readonly count: number | undefined;
  readonly attributes: string | readonly string[] | undefined;
  readonly excludedAttributes: string | readonly string[] | undefined;
  /** RFC 9865: undefined for index paging, '' for the first cursor page. */
  readonly cursor: string | undefined;
  /** Where the parameters came from: a URL may be logged on the way, a body is not (RFC 7644 §7.5.2). */
  readonly source: 'url' | 'body';
}

function integerParameter(name: string, text: string | null): number | undefined {
  if (text === null || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isInteger(value))
    throw ScimError.invalidValue(`'${name}' must be an integer, got ${JSON.stringify(text)}`);
  return value;
}

export function parametersFromUrl(search: URLSearchParams): QueryParameters {
  const get = (name: string) => search.get(name) ?? undefined;
  return {
    filter: get('filter'),
    sortBy: get('sortBy'),
    sortOrder: get('sortOrder'),
    startIndex: integerParameter('startIndex', search.get('startIndex')),
    count: integerParameter('count', search.get('count')),
    attributes: get('attributes'),
    excludedAttributes: get('excludedAttributes'),
    cursor: search.has('cursor') ? (search.get('cursor') ?? '') : undefined,
    source: 'url',
  };
}

/** A SearchRequest body (P-SEARCH-03, P-SEARCH-04, P-SEARCH-07). */
export function parametersFromSearch(body: unknown): QueryParameters {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw ScimError.invalidSyntax('A SearchRequest must be a JSON object');
  const record = body as Record<string, unknown>;
  const schemas = record.schemas;
  if (
    !Array.isArray(schemas) ||
    !schemas.some(
      (urn) => typeof urn === 'string' && urn.toLowerCase() === SEARCH_REQUEST_URN.toLowerCase(),
    )
  ) {
    throw ScimError.invalidSyntax(`'schemas' must be ["${SEARCH_REQUEST_URN}"]`);
  }
  const text = (name: string): string | undefined => {
    const value = record[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw ScimError.invalidValue(`'${name}' must be a string`);
    return value;
  };
  const list = (name: string): readonly string[] | undefined => {
    const value = record[name];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
      throw ScimError.invalidValue(`'${name}' must be an array of strings`);
    return value;
  };
  const integer = (name: string): number | undefined => {
    const value = record[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value))
      throw ScimError.invalidValue(`'${name}' must be an integer`);
    return value;
  };
  return {
    filter: text('filter'),
    sortBy: text('sortBy'),
    sortOrder: text('sortOrder'),
    startIndex: integer('startIndex'),
    count: integer('count'),
    attributes: list('attributes'),
    excludedAttributes: list('excludedAttributes'),
    cursor: text('cursor'),
    source: 'body',
  };
}

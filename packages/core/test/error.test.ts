import { describe, expect, it } from 'vitest';
import {
  ERROR_URN,
  isScimError,
  isScimType,
  SCIM_MEDIA_TYPE,
  SCIM_TYPE_STATUS,
  ScimError,
  toScimError,
  type ScimType,
} from '@scim/core';

const ALL_SCIM_TYPES: ScimType[] = [
  'invalidFilter',
  'tooMany',
  'uniqueness',
  'mutability',
  'invalidSyntax',
  'invalidPath',
  'noTarget',
  'invalidValue',
  'invalidVers',
  'sensitive',
  'invalidCursor',
  'expiredCursor',
  'invalidCount',
];

describe('ScimError', () => {
  it('P-ERR-01: renders schemas, status, scimType and detail', () => {
    const error = ScimError.invalidFilter('Unknown operator "regex"');
    expect(error.toJSON()).toEqual({
      schemas: [ERROR_URN],
      status: '400',
      scimType: 'invalidFilter',
      detail: 'Unknown operator "regex"',
    });
  });

  it('P-ERR-02: status is a JSON string equal to the HTTP status', async () => {
    const response = ScimError.notFound('User 42 not found').toResponse();
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe(SCIM_MEDIA_TYPE);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.status).toBe('404');
    expect(body).not.toHaveProperty('scimType');
  });

  it('D-07/D-08: one table maps every scimType to 400, except uniqueness 409 and sensitive 403', () => {
    expect(Object.keys(SCIM_TYPE_STATUS).sort()).toEqual([...ALL_SCIM_TYPES].sort());
    for (const scimType of ALL_SCIM_TYPES) {
      const expected = scimType === 'uniqueness' ? 409 : scimType === 'sensitive' ? 403 : 400;
      expect(new ScimError({ scimType }).status).toBe(expected);
    }
  });

  it('P-ERR-05: the uniqueness factory answers 409', () => {
    expect(ScimError.uniqueness('userName taken').status).toBe(409);
  });

  it('P-ERR-12: the sensitive factory answers 403', () => {
    expect(ScimError.sensitive('password in URI').status).toBe(403);
  });

  it('P-ERR-15: refuses an unregistered scimType and a status that contradicts the table', () => {
    expect(() => new ScimError({ scimType: 'bogus' as ScimType })).toThrow(TypeError);
    expect(() => new ScimError({ scimType: 'uniqueness', status: 400 })).toThrow(TypeError);
    expect(() => new ScimError({ status: 200 })).toThrow(TypeError);
    expect(isScimType('invalidVers')).toBe(true);
    expect(isScimType('toString')).toBe(false);
  });

  it('P-HTTP-07: unauthorized carries a WWW-Authenticate challenge', () => {
    const response = ScimError.unauthorized('Missing token').toResponse();
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('C-CUR-22: tooManyRequests is a 429 with Retry-After in whole seconds, at least 1', () => {
    const response = ScimError.tooManyRequests('Slow down', 2.2).toResponse();
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('3');
    expect(ScimError.tooManyRequests('Slow down', 0).headers['retry-after']).toBe('1');
  });

  it('P-CRUD-22: methodNotAllowed carries the Allow header', () => {
    const response = ScimError.methodNotAllowed(['GET', 'POST']).toResponse();
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, POST');
  });

  it('fromIssues takes the first issue scimType and lists every message with its path', () => {
    const error = ScimError.fromIssues([
      {
        code: 'immutable',
        path: ['urn:example:test:2.0:User', 'badge'],
        message: 'is immutable',
        scimType: 'mutability',
      },
      { code: 'required', path: ['userName'], message: 'is required', scimType: 'invalidValue' },
    ]);
    expect(error.scimType).toBe('mutability');
    expect(error.detail).toBe(
      'urn:example:test:2.0:User:badge: is immutable; userName: is required',
    );
  });
});

describe('isScimError', () => {
  it('recognises an error made by another installed copy through the registry symbol', () => {
    const foreign = Object.assign(new Error('x'), { status: 404 });
    Object.defineProperty(foreign, Symbol.for('@scim/core/ScimError'), { value: true });
    expect(isScimError(foreign)).toBe(true);
    expect(isScimError(new Error('x'))).toBe(false);
    expect(isScimError(null)).toBe(false);
    expect(isScimError({ status: 400, scimType: 'invalidValue' })).toBe(false);
  });
});

describe('toScimError', () => {
  it('passes a ScimError through unchanged', () => {
    const error = ScimError.noTarget('nothing matched');
    expect(toScimError(error)).toBe(error);
  });

  it('P-ERR-14/P-SEC-12: turns anything else into a 500 that echoes nothing of the original', async () => {
    const secret = new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2');
    const error = toScimError(secret);
    expect(error.status).toBe(500);
    expect(error.cause).toBe(secret);
    const text = await error.toResponse().text();
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('ECONNREFUSED');
    expect(text).not.toContain('at ');
    expect(JSON.parse(text)).toMatchObject({ schemas: [ERROR_URN], status: '500' });
  });

  it('handles throwables that are not errors', () => {
    for (const value of [undefined, null, 'boom', 42, { message: 'x' }, Symbol('s')]) {
      expect(toScimError(value).status).toBe(500);
    }
  });
});

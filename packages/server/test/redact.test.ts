// The debug log's redaction (RFC 7643 §4.1.1: password is writeOnly, returned "never"): every
// password value is replaced, and only what leads to one is copied, so logging a body without a
// secret costs a walk rather than a copy.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mayHoldSecret, redact } from '../src/lib/observe.js';

describe('redact', () => {
  const json = fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.oneof(fc.constantFrom('password', 'urn:x:User:PASSWORD'), fc.string()),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie('value'), { maxLength: 4 }),
      fc.dictionary(
        fc.oneof(
          fc.constantFrom(
            'password',
            'Password',
            'urn:ietf:params:scim:schemas:core:2.0:User:password',
            'path',
            'Path',
            'PATH',
            'value',
            'Value',
          ),
          fc.string(),
        ),
        tie('value'),
        { maxKeys: 4 },
      ),
    ),
  })).value;

  it('a body without a password comes back as the same object, untouched', () => {
    const body = { schemas: ['x'], userName: 'bjensen', emails: [{ value: 'b@example.com' }] };
    expect(redact(body)).toBe(body);
  });

  it('copies only the path to a password, in any case of the name, and leaves the input alone', () => {
    const emails = [{ value: 'b@example.com' }];
    const body = { userName: 'bjensen', emails, nested: { PassWord: 'hunter2', keep: 1 } };
    const redacted = redact(body) as typeof body;
    expect(redacted).not.toBe(body);
    expect(redacted.emails).toBe(emails);
    expect(redacted.nested).toEqual({ PassWord: '[redacted]', keep: 1 });
    expect(body.nested.PassWord).toBe('hunter2');
  });

  it('redacts PATCH passwords however the client spells path, value and the attribute', () => {
    const body = {
      Operations: [
        { op: 'replace', Path: 'password', Value: 'LEAK-1' },
        {
          op: 'replace',
          PATH: 'urn:ietf:params:scim:schemas:core:2.0:User:PASSWORD',
          value: 'LEAK-2',
        },
        {
          op: 'replace',
          value: { 'urn:ietf:params:scim:schemas:core:2.0:User:password': 'LEAK-3' },
        },
      ],
    };
    expect(JSON.stringify(redact(body))).not.toMatch(/LEAK/);
    // Not a password: a name that merely ends in it.
    expect(redact({ lastpassword: 'kept' })).toEqual({ lastpassword: 'kept' });
  });

  it('redacts the value of a PATCH operation whose path names the password', () => {
    const operations = [
      { op: 'replace', path: 'password', value: 'hunter3' },
      { op: 'replace', path: 'nickName', value: 'Babs' },
    ];
    const redacted = redact({ Operations: operations }) as { Operations: unknown[] };
    expect(redacted.Operations[0]).toEqual({
      op: 'replace',
      path: 'password',
      value: '[redacted]',
    });
    expect(redacted.Operations[1]).toBe(operations[1]);
  });

  it('walks own names only: what an object inherits is not part of the body', () => {
    const body = Object.assign(Object.create({ password: 'inherited' }) as object, { a: 1 });
    expect(redact(body)).toBe(body);
  });

  it('matches password in any case of its letters, and only as a whole name or after a colon', () => {
    const body = {
      PASSWORD: 'x',
      'urn:x:User:pAsSwOrD': 'y',
      passwords: 'kept',
      'urn:x:Userpassword': 'kept',
    };
    expect(redact(body)).toEqual({
      PASSWORD: '[redacted]',
      'urn:x:User:pAsSwOrD': '[redacted]',
      passwords: 'kept',
      'urn:x:Userpassword': 'kept',
    });
  });

  it('a __proto__ key stays a plain key of the copy', () => {
    const body = JSON.parse('{"__proto__": {"password": "x"}, "a": 1}') as Record<string, unknown>;
    const redacted = redact(body) as Record<string, unknown>;
    expect(Object.getPrototypeOf(redacted)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(redacted, '__proto__')?.value).toEqual({
      password: '[redacted]',
    });
  });

  it('property: no password value survives, and whatever holds none is shared', () => {
    fc.assert(
      fc.property(json, (body) => {
        const before = JSON.stringify(body);
        const redacted = redact(body);
        expect(JSON.stringify(body)).toBe(before);
        const secrets: unknown[] = [];
        const walk = (value: unknown): void => {
          if (Array.isArray(value)) value.forEach(walk);
          else if (typeof value === 'object' && value !== null) {
            const entries = Object.entries(value);
            const secretPath = entries.some(
              ([name, element]) =>
                name.toLowerCase() === 'path' &&
                typeof element === 'string' &&
                /password/i.test(element),
            );
            for (const [name, element] of entries) {
              const lower = name.toLowerCase();
              if (lower === 'password' || lower.endsWith(':password')) secrets.push(element);
              else if (secretPath && lower === 'value') secrets.push(element);
              else walk(element);
            }
          }
        };
        walk(redacted);
        expect(secrets.every((secret) => secret === '[redacted]')).toBe(true);
        if (!/password/i.test(before)) expect(redacted).toBe(body);
      }),
    );
  });

  it('a body whose text names no password, even escaped, is one redact leaves as it is', () => {
    // The debug log scans the text instead of walking the value (mayHoldSecret); a password spelled
    // with \u escapes must still be walked, or it would be logged.
    const escapingSome = (value: unknown, mask: readonly boolean[]): string => {
      let turn = 0;
      return JSON.stringify(value).replace(/"(?:[^"\\]|\\.)*"/g, (literal) =>
        // An escape the text already has stays whole; a letter is escaped where the mask says so.
        literal.replace(/\\u[0-9a-fA-F]{4}|\\.|[A-Za-z]/g, (piece) =>
          piece.length === 1 && mask[turn++ % mask.length] === true
            ? `\\u${piece.charCodeAt(0).toString(16).padStart(4, '0')}`
            : piece,
        ),
      );
    };
    fc.assert(
      fc.property(json, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), (body, mask) => {
        const text = escapingSome(body, mask);
        const parsed: unknown = JSON.parse(text);
        expect(JSON.stringify(parsed)).toBe(JSON.stringify(body));
        if (!mayHoldSecret(text)) expect(redact(parsed)).toBe(parsed);
      }),
    );
    expect(mayHoldSecret('{"p\\u0061ssword":"x"}')).toBe(true);
    expect(mayHoldSecret('{"meta":{"version":"W/\\"3\\""}}')).toBe(false);
  });
});

// The hand-written reader must agree with the generated parser (the grammar's reference) on every
// text: the same nodes, locations and key order where it accepts, and never accepting what the
// grammar refuses.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LENIENT_FILTER_SYNTAX, printFilter, type FilterNode } from '@scim/filter';
import { FastReader } from '../src/lib/fast-parse.js';
import { parse } from '../src/lib/generated/parser.js';
import { filterArbitrary } from './fixtures/filter-arbitrary.js';

type StartRule = 'Filter' | 'PatchPath' | 'AttributePath';

function reference(text: string, startRule: StartRule, lenient = {}): unknown {
  try {
    return parse(text, { startRule, lenient } as Parameters<typeof parse>[1]);
  } catch {
    return undefined;
  }
}

function fast(text: string, startRule: StartRule): unknown {
  return new FastReader(text, 1_000).read(startRule);
}

/** The same value, the same key order, and -0 kept apart from 0. */
function expectSame(actual: unknown, expected: unknown): void {
  expect(actual).toStrictEqual(expected);
  expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
}

function expectAgreement(text: string, startRule: StartRule = 'Filter'): void {
  const strict = reference(text, startRule);
  const ours = fast(text, startRule);
  if (ours === undefined) {
    // Giving up is always safe; the reference then answers. The strict language is covered whole.
    expect(strict, `the fast reader gave up on ${JSON.stringify(text)}`).toBeUndefined();
    return;
  }
  expect(strict, `the fast reader accepted ${JSON.stringify(text)}`).toBeDefined();
  expectSame(ours, strict);
  // Text the strict grammar accepts reads the same under every leniency.
  expectSame(ours, reference(text, startRule, LENIENT_FILTER_SYNTAX));
}

/** Prints an AST with any whitespace, any keyword case, and no space before string values. */
function noisyText(ast: FilterNode, random: () => number): string {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const gap = (atLeastOne: boolean) => {
    let text = atLeastOne ? pick([' ', '\t', '\n', '\r']) : '';
    while (random() < 0.3) text += pick([' ', '\t', '\n', '\r']);
    return text;
  };
  const word = (text: string) =>
    [...text].map((c) => (random() < 0.5 ? c.toUpperCase() : c.toLowerCase())).join('');
  const path = (
    node: FilterNode & { path: { uri?: string; attribute: string; subAttribute?: string } },
  ) =>
    `${node.path.uri === undefined ? '' : `${node.path.uri}:`}${node.path.attribute}${
      node.path.subAttribute === undefined ? '' : `.${node.path.subAttribute}`
    }`;
  const print = (node: FilterNode): string => {
    switch (node.type) {
      case 'compare': {
        const value = JSON.stringify(node.value);
        const before = typeof node.value === 'string' ? gap(false) : gap(true);
        return `${path(node)}${gap(true)}${word(node.operator)}${before}${value}`;
      }
      case 'present':
        return `${path(node)}${gap(true)}${word('pr')}`;
      case 'valuePath':
        return `${path(node)}${gap(false)}[${gap(false)}${print(node.filter)}${gap(false)}]`;
      case 'not':
        return `${word('not')}${gap(false)}(${gap(false)}${print(node.filter)}${gap(false)})`;
      default:
        return node.filters
          .map((child) =>
            child.type === 'and' || child.type === 'or'
              ? `(${gap(false)}${print(child)}${gap(false)})`
              : print(child),
          )
          .join(`${gap(true)}${word(node.type)}${gap(true)}`);
    }
  };
  return `${gap(false)}${print(ast)}${gap(false)}`;
}

const fragments = fc.constantFrom(
  'a',
  'b.c',
  'emails',
  'value',
  'not',
  'NOT',
  'notes',
  'urn:x:y:1.0:T:',
  'urn:',
  '$ref',
  '$REF',
  'eq',
  'Eq',
  'pr',
  'prx',
  'eqtrue',
  'and',
  'or',
  '(',
  ')',
  '[',
  ']',
  '.',
  ':',
  ' ',
  '  ',
  '\t',
  '\n',
  '"x"',
  '""',
  '"a\\"b"',
  '"\\u0041\\n"',
  '"\\q"',
  '"open',
  '"\u0001"',
  "'q'",
  '1',
  '-0',
  '01',
  '1.',
  '1.5',
  '1e5',
  '1e',
  '-',
  'true',
  'True',
  'false',
  'null',
  'NULL',
  'x1',
  '-y',
  '_',
);

describe('the fast reader agrees with the generated parser', () => {
  it('property: printed filters of every shape read the same', () => {
    fc.assert(
      fc.property(filterArbitrary(false), (ast) => expectAgreement(printFilter(ast))),
      { numRuns: 500 },
    );
  });

  it('property: any whitespace, keyword case and spacing reads the same', () => {
    fc.assert(
      fc.property(filterArbitrary(false), fc.integer(), (ast, seed) => {
        let state = seed >>> 0 || 1;
        const random = () => {
          state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
          return state / 2_147_483_648;
        };
        expectAgreement(noisyText(ast, random));
      }),
      { numRuns: 500 },
    );
  });

  it('property: fragments glued at random are accepted only when the grammar accepts them, and alike', () => {
    fc.assert(
      fc.property(
        fc.array(fragments, { maxLength: 14 }).map((parts) => parts.join('')),
        fc.constantFrom<StartRule>('Filter', 'PatchPath', 'AttributePath'),
        (text, startRule) => expectAgreement(text, startRule),
      ),
      { numRuns: 3_000 },
    );
  });

  it('property: valid filters with one random edit read alike, or are refused alike', () => {
    const edit = fc.record({
      at: fc.nat(),
      remove: fc.nat({ max: 3 }),
      insert: fc.oneof(fragments, fc.constant('')),
    });
    fc.assert(
      fc.property(
        filterArbitrary(false),
        fc.integer(),
        fc.array(edit, { minLength: 1, maxLength: 3 }),
        (ast, seed, edits) => {
          let state = seed >>> 0 || 1;
          const random = () => {
            state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
            return state / 2_147_483_648;
          };
          let text = noisyText(ast, random);
          for (const { at, remove, insert } of edits) {
            const where = at % (text.length + 1);
            text = text.slice(0, where) + insert + text.slice(where + remove);
          }
          expectAgreement(text);
        },
      ),
      { numRuns: 3_000 },
    );
    // About 2.5 s alone, twice that when the machine's two cores are shared.
  }, 30_000);

  it('reads the edge cases of the grammar alike', () => {
    for (const text of [
      'a eq"x"',
      'a eq1',
      'a eq -0',
      'a eq 1e+21',
      'a eq 1.5E-3',
      'not eq "x"',
      'not pr',
      'not(a pr)',
      'NOT (a pr)',
      'not a pr',
      'notes pr',
      'a pr or',
      'a pr order',
      'a eq 01',
      'a eq 1.',
      'a eq 1.e5',
      'a eq 1e',
      'a eq -',
      'a eq True',
      'a eq nullx',
      'a eq truex',
      'a pr and1 b pr',
      'a pr andb pr',
      'not [a pr]',
      'not\t[a pr]',
      'not',
      'a.b pr',
      'a. pr',
      '$refx pr',
      'members.$ref eq "x"',
      'urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "x"',
      'urn:a:b eq 1',
      'emails [ type eq "work" ]',
      'emails[type eq "work"].value eq "x"',
      'emails[value[x pr]]',
      '((a pr))',
      'a eq "\u2028"',
    ])
      expectAgreement(text);
    for (const text of ['members[value eq "1"]', 'emails[type eq "work"].value', 'name', 'a.b.c'])
      expectAgreement(text, 'PatchPath');
  });

  it('gives up beyond its depth bound, so the limits answer as before', () => {
    expect(new FastReader('((((a pr))))', 3).read('Filter')).toBeUndefined();
    expect(new FastReader('((((a pr))))', 4).read('Filter')).toBeDefined();
  });
});

// The definition a bound attribute compares is read in one place (`definitionOf` in bind.ts), so the
// binder's type checks, the cost measure, the `or` planner and the evaluator cannot disagree on it.
import { describe, expect, it } from 'vitest';
import { ENTERPRISE_USER_SCHEMA_URN, USER_SCHEMA_URN, UserResourceType } from '@scim/core';
import {
  bindFilter,
  compileFilter,
  filterCost,
  parseFilter,
  type BoundAttribute,
  type BoundFilterNode,
} from '@scim/filter';
import { definitionOf } from '../src/lib/bind.js';

/** The bound attribute of the first comparison or `pr` in the filter. */
function attributeOf(text: string): BoundAttribute {
  return firstAttribute(
    bindFilter(parseFilter(text), UserResourceType, { unknownAttributes: 'absent' }),
  );
}

function firstAttribute(node: BoundFilterNode): BoundAttribute {
  switch (node.type) {
    case 'compare':
    case 'present':
      return node.attribute;
    case 'and':
    case 'or':
      return firstAttribute(node.filters[0] as BoundFilterNode);
    case 'not':
    case 'valuePath':
      return firstAttribute(node.filter);
  }
}

describe('the definition a bound attribute compares', () => {
  it('is the sub-attribute when there is one, else the attribute (RFC 7644 §3.10)', () => {
    expect(definitionOf(attributeOf('USERNAME eq "a"'))?.name).toBe('userName');
    expect(definitionOf(attributeOf('name.givenName eq "a"'))?.name).toBe('givenName');
    expect(definitionOf(attributeOf('emails[type eq "work"]'))?.name).toBe('type');
    expect(
      definitionOf(attributeOf(`${ENTERPRISE_USER_SCHEMA_URN}:manager eq "26118915"`))?.name,
    ).toBe('value');
  });

  it('P-FILTER-16: a complex attribute with a `value` sub-attribute "used bare means .value" (emails co "x")', () => {
    expect(definitionOf(attributeOf('emails co "x"'))).toMatchObject({
      name: 'value',
      type: 'string',
    });
  });

  it('RFC 7644 §3.10: schemas holds URIs, "case insensitive", in a multi-valued string', () => {
    expect(definitionOf(attributeOf(`schemas eq "${USER_SCHEMA_URN}"`))).toMatchObject({
      name: 'schemas',
      type: 'string',
      multiValued: true,
      caseExact: false,
    });
    // The evaluator and the cost measure read the same definition.
    const text = `schemas eq "${USER_SCHEMA_URN.toUpperCase()}"`;
    expect(
      compileFilter(text, { resourceType: UserResourceType })({ schemas: [USER_SCHEMA_URN] }),
    ).toBe(true);
    expect(filterCost(bindFilter(parseFilter('schemas pr'), UserResourceType))).toBe(4);
  });

  it('P-FILTER-28: an attribute absent from a type "counts as having no value": it has no definition', () => {
    expect(attributeOf('doesNotExist eq "b"').kind).toBe('unknown');
    expect(definitionOf(attributeOf('doesNotExist eq "b"'))).toBeUndefined();
  });
});

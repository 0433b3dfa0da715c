// The SQL example of docs/filters.md, kept compiling and correct.
import { describe, expect, it } from 'vitest';
import { UserResourceType } from '@scim/core';
import { escapeLike, filterToSql } from '../../../docs/examples/filter-to-sql.js';

const columns = {
  userName: 'user_name',
  displayName: 'display_name',
  externalId: 'external_id',
  active: 'active',
  'meta.lastModified': 'last_modified',
  'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department': 'department',
};

describe('filterToSql (docs/filters.md)', () => {
  it('binds values as parameters, folds case where the schema says so, and keeps precedence', () => {
    expect(
      filterToSql(
        'USERNAME eq "BJensen" and (externalId eq "A1" or not (active eq false))',
        UserResourceType,
        columns,
      ),
    ).toEqual({
      sql: '(lower(user_name) = $1 AND (external_id = $2 OR NOT (active = $3)))',
      params: ['bjensen', 'A1', false],
    });
  });

  it('escapes LIKE wildcards in co, sw and ew', () => {
    expect(filterToSql('displayName co "50%_off\\\\"', UserResourceType, columns)).toEqual({
      sql: "lower(display_name) LIKE $1 ESCAPE '\\'",
      params: ['%50\\%\\_off\\\\%'],
    });
    expect(escapeLike('a%b_c\\d')).toBe('a\\%b\\_c\\\\d');
  });

  it('resolves URN-qualified and unqualified extension names to the same column', () => {
    expect(filterToSql('department eq "Tour"', UserResourceType, columns).sql).toBe(
      'lower(department) = $1',
    );
    expect(
      filterToSql(
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department pr',
        UserResourceType,
        columns,
      ).sql,
    ).toBe("(department IS NOT NULL AND department::text <> '')");
  });

  it('maps eq null and ne null to IS NULL and IS NOT NULL', () => {
    expect(filterToSql('displayName eq null', UserResourceType, columns).sql).toBe(
      'display_name IS NULL',
    );
  });

  it('refuses what the table cannot answer, as invalidFilter', () => {
    expect(() => filterToSql('emails[type eq "work"]', UserResourceType, columns)).toThrow(
      /not supported/,
    );
    expect(() => filterToSql('title eq "x"', UserResourceType, columns)).toThrow(/not supported/);
  });
});

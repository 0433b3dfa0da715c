// Example: turning a SCIM filter into a parameterised SQL WHERE clause (docs/filters.md).
// A sketch for a table with one column per single-valued attribute; it is not a store.
import { ScimError, type ScimResourceType } from '@scim/core';
import { bindFilter, parseFilter, type BoundAttribute, type BoundFilterNode } from '@scim/filter';

export interface SqlWhere {
  readonly sql: string;
  readonly params: unknown[];
}

/** Escapes LIKE's wildcards so that `co "50%"` means a literal percent sign. */
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (char) => `\\${char}`);
}

export function filterToSql(
  filter: string,
  resourceType: ScimResourceType,
  columns: Readonly<Record<string, string>>,
): SqlWhere {
  const params: unknown[] = [];
  const bound = bindFilter(parseFilter(filter), resourceType);

  const column = (attribute: BoundAttribute): { name: string; caseExact: boolean } => {
    const name = columns[attribute.path];
    const definition = attribute.subAttribute ?? attribute.attribute;
    if (name === undefined || definition === undefined || attribute.attribute?.multiValued) {
      // A real store would join a child table here; refusing is the honest answer for a sketch.
      throw ScimError.invalidFilter(`Filtering on '${attribute.path}' is not supported`);
    }
    return { name, caseExact: definition.caseExact || definition.type !== 'string' };
  };

  const param = (value: unknown): string => {
    params.push(value);
    return `$${params.length}`;
  };

  const toSql = (node: BoundFilterNode): string => {
    switch (node.type) {
      case 'and':
      case 'or':
        return `(${node.filters.map(toSql).join(` ${node.type.toUpperCase()} `)})`;
      case 'not':
        return `NOT (${toSql(node.filter)})`;
      case 'valuePath':
        throw ScimError.invalidFilter(
          `Value filters on '${node.attribute.path}' are not supported`,
        );
      case 'present': {
        const { name } = column(node.attribute);
        return `(${name} IS NOT NULL AND ${name}::text <> '')`;
      }
      case 'compare': {
        const { name, caseExact } = column(node.attribute);
        if (node.value === null)
          return node.operator === 'eq' ? `${name} IS NULL` : `${name} IS NOT NULL`;
        const left = caseExact ? name : `lower(${name})`;
        const literal =
          typeof node.value === 'string' && !caseExact ? node.value.toLowerCase() : node.value;
        const like = (pattern: string): string => `${left} LIKE ${param(pattern)} ESCAPE '\\'`;
        switch (node.operator) {
          case 'eq':
            return `${left} = ${param(literal)}`;
          case 'ne':
            return `${left} <> ${param(literal)}`;
          case 'co':
            return like(`%${escapeLike(String(literal))}%`);
          case 'sw':
            return like(`${escapeLike(String(literal))}%`);
          case 'ew':
            return like(`%${escapeLike(String(literal))}`);
          case 'gt':
            return `${left} > ${param(literal)}`;
          case 'ge':
            return `${left} >= ${param(literal)}`;
          case 'lt':
            return `${left} < ${param(literal)}`;
          case 'le':
            return `${left} <= ${param(literal)}`;
        }
      }
    }
  };

  return { sql: toSql(bound), params };
}

// Which leniencies a parse used, read back from the text and the AST the generated parser made.
// The grammar's predicates cannot say it (peggy tries an alternative without taking it), so the
// post-parse step does: each lenient value has a spelling the RFC grammar never produces, found at
// the end of its comparison's source span. Only text the strict reader refused gets here.
import type { ScimAppliedRule } from '@scim/core';
import type { AttributePathNode, FilterNode, PatchPathNode } from './ast.js';
import type { FilterLeniency } from './parse.js';

type Rule = ScimAppliedRule<keyof FilterLeniency>;
type Segments = readonly string[];

const RIGHT_BRACKET = 0x5d;
const DOUBLE_QUOTE = 0x22;

/** The leniencies a filter or PATCH path parsed with `lenient` relied on, in source order; undefined for none. */
export function leniencyUsed(
  text: string,
  node: FilterNode | PatchPathNode,
  lenient: FilterLeniency,
): Rule[] | undefined {
  const found: Rule[] = [];
  if (node.type === 'patchPath') {
    if (node.filter !== undefined)
      walk(text, node.filter, segmentsOf(node.path, []), lenient, found);
  } else {
    walk(text, node, [], lenient, found);
  }
  return found.length === 0 ? undefined : found;
}

function walk(
  text: string,
  node: FilterNode,
  prefix: Segments,
  lenient: FilterLeniency,
  found: Rule[],
): void {
  switch (node.type) {
    case 'and':
    case 'or':
      for (const filter of node.filters) walk(text, filter, prefix, lenient, found);
      return;
    case 'not':
      walk(text, node.filter, prefix, lenient, found);
      return;
    case 'present':
      return;
    case 'valuePath': {
      const path = segmentsOf(node.path, prefix);
      walk(text, node.filter, path, lenient, found);
      // X-ENTRA-05: `emails[type eq "work"].value eq "x"` ends after its tail, not at the bracket;
      // the tail is the last term of the `and` it was joined into.
      const end = node.location?.end;
      if (end !== undefined && text.charCodeAt(end - 1) !== RIGHT_BRACKET) {
        const tail = node.filter.type === 'and' ? node.filter.filters.at(-1) : undefined;
        found.push({
          rule: 'valuePathSubAttribute',
          path:
            tail?.type === 'compare' || tail?.type === 'present'
              ? segmentsOf(tail.path, path)
              : path,
        });
      }
      return;
    }
    case 'compare': {
      const rule = valueRule(text, node.value, node.location?.end, lenient);
      if (rule !== undefined) found.push({ rule, path: segmentsOf(node.path, prefix) });
      return;
    }
  }
}

/** The leniency that read a comparison's value, from how the value is spelled where it ends. */
function valueRule(
  text: string,
  value: string | number | boolean | null,
  end: number | undefined,
  lenient: FilterLeniency,
): keyof FilterLeniency | undefined {
  if (end === undefined || typeof value === 'number') return undefined;
  if (typeof value !== 'string') {
    const literal = String(value);
    return text.slice(end - literal.length, end) === literal
      ? undefined
      : 'caseInsensitiveLiterals';
  }
  // A JSON string ends with its quote; a bare word never holds one.
  if (text.charCodeAt(end - 1) === DOUBLE_QUOTE) return undefined;
  if (
    lenient.singleQuotedStrings === true &&
    text.slice(end - value.length - 2, end) === `'${value}'`
  )
    return 'singleQuotedStrings';
  return 'bareWordValues';
}

/** An attribute path as issue-path segments (URN, attribute, sub-attribute), under a value path's. */
function segmentsOf(path: AttributePathNode, prefix: Segments): string[] {
  const segments = [...prefix];
  if (path.uri !== undefined) segments.push(path.uri);
  segments.push(path.attribute);
  if (path.subAttribute !== undefined) segments.push(path.subAttribute);
  return segments;
}

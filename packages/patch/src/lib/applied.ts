// Which compatibility rules a PATCH relied on, and where: noted while it is read (parsePatch) and
// applied (applyPatch), and reported beside the result or the refusal. A rule is noted by the
// attribute it names, never by the text that named it: a path key or a value filter can hold
// values, and notes go to logs.
import type { ScimIssuePath } from '@scim/core';
import type { PatchAppliedRule } from './options.js';
import type { Reading, ReadOperation } from './request.js';
import type { Target } from './target.js';

/** The rules noted so far: undefined until the first, as most requests rely on none. */
export type AppliedRules = PatchAppliedRule[] | undefined;

/** `rules` with one more, the list made with the first. */
export function noted(
  rules: AppliedRules,
  rule: PatchAppliedRule['rule'],
  path: ScimIssuePath,
  layer: PatchAppliedRule['layer'] = 'patch',
): PatchAppliedRule[] {
  const list = rules ?? [];
  list.push({ rule, path, layer });
  return list;
}

/** An empty `Operations` list got past reading only because the options allow it (Entra's validator). */
export function notedEmpty(rules: AppliedRules): PatchAppliedRule[] {
  return noted(rules, 'allowEmptyOperations', ['Operations']);
}

/** `"op": "Replace"`, read by `caseInsensitiveOp`: noted before its path is resolved, which may fail. */
export function notedOp(rules: AppliedRules, operation: ReadOperation): AppliedRules {
  return operation.opCaseFolded
    ? noted(rules, 'caseInsensitiveOp', ['Operations', operation.index, 'op'])
    : rules;
}

/**
 * What reading relied on before it refused an operation: the ops read by `caseInsensitiveOp`, the
 * refused one's too when a later check of it refused it. No path was resolved yet, so no filter
 * leniency is known.
 */
export function notedWhileReading(reading: Reading): AppliedRules {
  let rules: AppliedRules;
  for (const operation of reading.operations) rules = notedOp(rules, operation);
  const refused = reading.operations.length;
  return reading.opFolded
    ? noted(rules, 'caseInsensitiveOp', ['Operations', refused, 'op'])
    : rules;
}

/**
 * The filter leniencies a path's value filter needed (`emails[type eq work]`): resolved paths are
 * cached, so every request that uses the path reports them again from here.
 */
export function notedFilter(rules: AppliedRules, target: Target): AppliedRules {
  const leniencies = target.kind === 'attribute' ? target.selector?.applied : undefined;
  if (leniencies === undefined) return rules;
  let list = rules;
  for (const { rule, path } of leniencies)
    list = noted(list, rule as PatchAppliedRule['rule'], path, 'filter');
  return list;
}

/** A value leniency `@scim/core` reported, named as the PATCH option that switches it on. */
export function valueRule(rule: string): PatchAppliedRule['rule'] {
  return rule === 'booleanStrings' ? 'booleanStrings' : 'managerShorthand';
}

/** The attribute path a target names, without the filter that may select its values. */
export function pathNamed(target: Target): string {
  return target.kind === 'attribute' && target.selector !== undefined && target.sub !== undefined
    ? `${target.path}.${target.sub.name}`
    : target.path;
}

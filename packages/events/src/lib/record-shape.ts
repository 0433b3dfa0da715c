// The shape a lifecycle record must have before anything reads it: the fields every record has,
// and the resource states and member values being what `@scim/server` writes. A record read back
// from storage may have been altered; checked here, it cannot make the SET builder throw.
import { isJsonObject } from '@scim/core';
import type { LifecycleEvent } from '@scim/server';

/**
 * What is wrong with the shape of a record, checked before anything reads it: the fields every
 * record has, and the resource states and member values being what `@scim/server` writes.
 */
export function shapeProblem(event: unknown): string | undefined {
  if (!isJsonObject(event)) return 'A lifecycle record is an object';
  const record = event;
  // Each field read by name: every write's records pass here, and a loop over names reads them as
  // computed keys, several times slower.
  if (typeof record.id !== 'string') return `A lifecycle record's id is a string`;
  if (typeof record.type !== 'string') return `A lifecycle record's type is a string`;
  if (typeof record.resourceType !== 'string')
    return `A lifecycle record's resourceType is a string`;
  if (typeof record.resourceId !== 'string') return `A lifecycle record's resourceId is a string`;
  if (!LIFECYCLE_TYPES.has(record.type))
    return `'${String(record.type)}' is not a lifecycle record type`;
  if (record.changeId !== undefined && typeof record.changeId !== 'string')
    return `A lifecycle record's changeId is a string`;
  if (record.version !== undefined && typeof record.version !== 'string')
    return `A lifecycle record's version is a string`;
  const stateProblem = resourceShapeProblem(record.resource, 'resource');
  if (stateProblem !== undefined) return stateProblem;
  const previousProblem = resourceShapeProblem(record.previous, 'previous');
  if (previousProblem !== undefined) return previousProblem;
  const { asyncResponse, subjectUri } = record;
  if (asyncResponse !== undefined) {
    if (!isJsonObject(asyncResponse) || typeof asyncResponse.status !== 'string')
      return `A lifecycle record's asyncResponse is a bulk response operation with a status string`;
    const { response } = asyncResponse;
    if (response !== undefined && !isJsonObject(response))
      return `A lifecycle record's asyncResponse.response is a SCIM error object`;
  }
  if (subjectUri !== undefined && (typeof subjectUri !== 'string' || !subjectUri.startsWith('/')))
    return `A lifecycle record's subjectUri is a path such as /Users/2819c223`;
  const { members, changes } = record;
  if (members !== undefined && !(Array.isArray(members) && members.every(isString)))
    return `A lifecycle record's members are a list of strings`;
  if (changes !== undefined && !(Array.isArray(changes) && changes.every(isJsonObject)))
    return `A lifecycle record's changes are a list of objects`;
  return undefined;
}

/** What is wrong with a record's resource state, if it has one. */
function resourceShapeProblem(state: unknown, field: string): string | undefined {
  if (state === undefined) return undefined;
  if (!isJsonObject(state) || !Array.isArray(state.schemas))
    return `A lifecycle record's ${field} is a SCIM resource with schemas`;
  for (const schema of state.schemas as unknown[])
    if (typeof schema !== 'string')
      return `A lifecycle record's ${field} lists its schemas as strings`;
  return undefined;
}

const LIFECYCLE_TYPES: ReadonlySet<string> = new Set<LifecycleEvent['type']>([
  'created',
  'updated',
  'deactivated',
  'reactivated',
  'deleted',
  'membersAdded',
  'membersRemoved',
  'asyncCompleted',
]);

function isString(value: unknown): value is string {
  return typeof value === 'string';
}

// How a member value is keyed, in the member rows and in filters over them: the value's comparison
// key under its schema (case-folded unless caseExact), as the memory store keys its members.
import { attributeValueKey, type AttributeDefinition } from '@scim/core';

export function memberKeyOf(valueAttribute: AttributeDefinition, value: string): string {
  return attributeValueKey(valueAttribute, value);
}

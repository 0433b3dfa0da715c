// The public surface of @scim/filter: adding or removing an export is a deliberate change to this list.
import { expect, it } from 'vitest';
import * as filter from '@scim/filter';

it('exports exactly the documented names', () => {
  expect(Object.keys(filter).sort()).toEqual([
    'DEFAULT_FILTER_LIMITS',
    'HARMLESS_FILTER_SYNTAX',
    'LENIENT_FILTER_SYNTAX',
    'bindFilter',
    'compareCodePoints',
    'compileBoundFilter',
    'compileFilter',
    'compileValuePathFilter',
    'filterCost',
    'mapFilter',
    'parseFilter',
    'parseInstant',
    'parsePatchPath',
    'printAttributePath',
    'printFilter',
    'printPatchPath',
    'safeCompileFilter',
    'safeParseAttributePath',
    'safeParseFilter',
    'safeParsePatchPath',
    'visitFilter',
  ]);
});

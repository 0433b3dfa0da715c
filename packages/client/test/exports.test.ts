// The public surface of @scim/client: adding or removing an export is a deliberate change to this list.
import { expect, it } from 'vitest';
import * as client from '@scim/client';

it('exports exactly the documented names', () => {
  expect(Object.keys(client).sort()).toEqual([
    'BulkBuilder',
    'CLIENT_DIALECTS',
    'PatchBuilder',
    'ResourceClient',
    'ResourceList',
    'ScimClientError',
    'ScimTransportError',
    'createScimClient',
    'diffPatch',
    'f',
    'fullReplacePatch',
    'isScimClientError',
    'patch',
  ]);
});

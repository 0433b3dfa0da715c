// Every method under /scim/v2 (the optional catch-all also serves /scim/v2 itself).
import { handlers } from '../../../../scim.ts';

export const { GET, POST, PUT, PATCH, DELETE } = handlers;
export const dynamic = 'force-dynamic';

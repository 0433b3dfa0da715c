// The floor of bench/http.mjs: a bare `node:http` server over Maps with only the routes the workload
// uses. It does what any SCIM server must for these requests (checks the bearer token, parses the
// JSON body, looks up, keeps a member -> groups index, serialises the same shapes: the user with its
// `groups`, a ListResponse, 201 with Location and ETag, 204 for a member PATCH) and nothing else:
// no schema validation, no hooks, no logging. The ratios compare the SDK with this.
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PREFIX = '/scim/v2/';
const USER_NAME_EQ = /^userName eq "((?:[^"\\]|\\.)*)"$/i;
const MEMBER_VALUE_EQ = /^members\[value eq "((?:[^"\\]|\\.)*)"\]$/i;

/** Listens on 127.0.0.1 on a free port; `digest` is the token's `sha256:<hex>`. */
export function startBareServer({ digest }) {
  const users = new Map();
  const groups = new Map();
  /** id -> Map(value -> member), so a member change costs the same whatever the group's size. */
  const membersOf = new Map();
  const userNames = new Map();
  /** member id -> Set of group ids. */
  const groupsOf = new Map();
  let base = '';
  let version = 0;

  const meta = (resourceType, id, created) => {
    const now = new Date().toISOString();
    return {
      resourceType,
      created: created ?? now,
      lastModified: now,
      location: `${base}/${resourceType}s/${id}`,
      version: `W/"${++version}"`,
    };
  };
  const userView = (user) => {
    const ids = groupsOf.get(user.id);
    if (ids === undefined || ids.size === 0) return user;
    const list = [];
    for (const id of ids)
      list.push({
        value: id,
        $ref: `${base}/Groups/${id}`,
        display: groups.get(id).displayName,
        type: 'direct',
      });
    return { ...user, groups: list };
  };
  const groupView = (group) => ({ ...group, members: [...membersOf.get(group.id).values()] });
  const addMember = (groupId, value) => {
    const members = membersOf.get(groupId);
    if (members.has(value)) return;
    members.set(value, { value, $ref: `${base}/Users/${value}`, type: 'User' });
    let set = groupsOf.get(value);
    if (set === undefined) groupsOf.set(value, (set = new Set()));
    set.add(groupId);
  };
  const removeMember = (groupId, value) => {
    if (membersOf.get(groupId).delete(value)) groupsOf.get(value)?.delete(groupId);
  };

  const send = (response, status, value, headers = {}) => {
    if (value === undefined) {
      response.writeHead(status, headers).end();
      return;
    }
    const text = JSON.stringify(value);
    response
      .writeHead(status, {
        'content-type': 'application/scim+json',
        'content-length': Buffer.byteLength(text),
        ...headers,
      })
      .end(text);
  };
  const fail = (response, status, detail) =>
    send(response, status, { schemas: [ERROR], status: String(status), detail });

  const routes = {
    'POST Users': (body) => {
      const id = randomUUID();
      const user = { ...body, schemas: body.schemas ?? [USER], id, meta: meta('User', id) };
      const key = String(user.userName).toLowerCase();
      if (userNames.has(key)) return [409, undefined];
      userNames.set(key, id);
      users.set(id, user);
      return [201, user];
    },
    'POST Groups': (body) => {
      const id = randomUUID();
      const { members = [], ...rest } = body;
      const group = { ...rest, schemas: body.schemas ?? [GROUP], id, meta: meta('Group', id) };
      groups.set(id, group);
      membersOf.set(id, new Map());
      for (const member of members) {
        if (!users.has(member.value)) return [400, undefined];
        addMember(id, member.value);
      }
      return [201, groupView(group)];
    },
    'GET Users': (_body, id) => {
      const user = users.get(id);
      return user === undefined ? [404, undefined] : [200, userView(user)];
    },
    'GET Groups': (_body, id) => {
      const group = groups.get(id);
      return group === undefined ? [404, undefined] : [200, groupView(group)];
    },
    'PATCH Users': (body, id) => {
      const user = users.get(id);
      if (user === undefined) return [404, undefined];
      for (const operation of body.Operations ?? []) {
        if (operation.op?.toLowerCase() !== 'replace' || typeof operation.path !== 'string')
          return [400, undefined];
        user[operation.path] = operation.value;
      }
      user.meta = meta('User', id, user.meta.created);
      return [200, userView(user)];
    },
    'PATCH Groups': (body, id) => {
      const group = groups.get(id);
      if (group === undefined) return [404, undefined];
      for (const operation of body.Operations ?? []) {
        const op = operation.op?.toLowerCase();
        if (op === 'add' && operation.path === 'members') {
          for (const member of operation.value) {
            if (!users.has(member.value)) return [400, undefined];
            addMember(id, member.value);
          }
        } else if (op === 'remove') {
          const match = MEMBER_VALUE_EQ.exec(operation.path ?? '');
          if (match === null) return [400, undefined];
          removeMember(id, match[1]);
        } else return [400, undefined];
      }
      group.meta = meta('Group', id, group.meta.created);
      return [204, undefined];
    },
  };

  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      if (request.headers.authorization?.startsWith('Bearer ') !== true) {
        fail(response, 401, 'Bearer token required');
        return;
      }
      const presented = `sha256:${createHash('sha256').update(request.headers.authorization.slice(7)).digest('hex')}`;
      if (presented !== digest) {
        fail(response, 401, 'Invalid token');
        return;
      }
      const url = new URL(request.url, 'http://bare');
      if (!url.pathname.startsWith(PREFIX)) {
        fail(response, 404, 'Not found');
        return;
      }
      const [type, id] = url.pathname.slice(PREFIX.length).split('/');
      if (request.method === 'GET' && type === 'Users' && id === undefined) {
        // The one query the workload sends: userName eq "…", answered from the index.
        const match = USER_NAME_EQ.exec(url.searchParams.get('filter') ?? '');
        if (match === null) {
          fail(response, 400, 'Unsupported filter');
          return;
        }
        const found = users.get(userNames.get(match[1].toLowerCase()));
        const resources = found === undefined ? [] : [userView(found)];
        send(response, 200, {
          schemas: [LIST],
          totalResults: resources.length,
          startIndex: 1,
          itemsPerPage: resources.length,
          Resources: resources,
        });
        return;
      }
      const route = routes[`${request.method} ${type}`];
      if (route === undefined || (request.method !== 'POST' && id === undefined)) {
        fail(response, 404, 'Not found');
        return;
      }
      let body;
      try {
        body = chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        fail(response, 400, 'Invalid JSON');
        return;
      }
      const [status, value] = route(body, id);
      if (status >= 400) fail(response, status, 'Refused');
      else
        send(response, status, value, {
          ...(value?.meta === undefined ? {} : { etag: value.meta.version }),
          ...(status === 201 ? { location: value.meta.location } : {}),
        });
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      base = `http://127.0.0.1:${port}/scim/v2`;
      resolve({ server, port });
    });
  });
}

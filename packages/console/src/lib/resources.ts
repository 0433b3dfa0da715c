// The resources view's endpoint: users or groups matching a SCIM filter, read through the SCIM
// handler (`options.resources.search`), so a filter is parsed and refused exactly as an identity
// provider's would be. What leaves passes `redactSecrets`: the handler never returns a password
// (RFC 7643 §4.1.1, returned "never"), and a secret-named attribute of an extension is redacted too.
import type { ResolvedOptions } from './options.js';
import { json, problem } from './http.js';
import { redactSecrets } from './redact.js';

const MAX_FILTER_LENGTH = 2000;
const MAX_COUNT = 100;
const DEFAULT_COUNT = 25;
// Members named on a page of groups: looked up by id through the same search, 50 per filter.
const MAX_NAMED_MEMBERS = 500;
const NAMES_PER_SEARCH = 50;

function boundedInteger(text: string | null, fallback: number, min: number, max: number) {
  if (text === null || text === '') return fallback;
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
}

/** `GET /api/resources?type=User|Group&filter=…&startIndex=…&count=…`. */
export async function resourcesOf(options: ResolvedOptions, url: URL): Promise<Response> {
  if (options.resources === undefined)
    return json({ configured: false, resources: [], totalResults: 0 });
  const params = url.searchParams;
  const type = params.get('type') ?? 'User';
  if (type !== 'User' && type !== 'Group') return problem(400, 'type must be User or Group');
  const filter = params.get('filter')?.trim() ?? '';
  if (filter.length > MAX_FILTER_LENGTH)
    return problem(400, `The filter is longer than ${MAX_FILTER_LENGTH} characters`);
  const startIndex = boundedInteger(params.get('startIndex'), 1, 1, Number.MAX_SAFE_INTEGER);
  const count = boundedInteger(params.get('count'), DEFAULT_COUNT, 1, MAX_COUNT);
  if (startIndex === undefined || count === undefined)
    return problem(400, `startIndex must be 1 or more and count between 1 and ${MAX_COUNT}`);
  const response = await options.resources.search(type, {
    ...(filter === '' ? {} : { filter }),
    startIndex,
    count,
  });
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const reply = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (response.status !== 200 || !Array.isArray(reply.Resources)) {
    // The SCIM error as the handler wrote it (RFC 7644 §3.12): its scimType and detail, nothing else.
    const status = response.status >= 400 ? response.status : 502;
    return json(
      {
        configured: true,
        error: {
          status,
          scimType: typeof reply.scimType === 'string' ? reply.scimType : null,
          detail: typeof reply.detail === 'string' ? reply.detail : 'The SCIM handler gave no list',
        },
      },
      status,
    );
  }
  return json({
    configured: true,
    type,
    totalResults: typeof reply.totalResults === 'number' ? reply.totalResults : null,
    startIndex,
    resources: redactSecrets(reply.Resources),
    ...(type === 'Group' ? { userNames: await userNamesOf(options, reply.Resources) } : {}),
  });
}

/** The userName of each user member of the groups, by id, so the page names the members. */
async function userNamesOf(options: ResolvedOptions, groups: unknown[]) {
  const ids = new Set<string>();
  for (const group of groups) {
    const members = (group as { members?: unknown } | null)?.members;
    if (!Array.isArray(members)) continue;
    for (const member of members as { value?: unknown; type?: unknown }[])
      if (
        typeof member.value === 'string' &&
        member.type !== 'Group' &&
        ids.size < MAX_NAMED_MEMBERS
      )
        ids.add(member.value);
  }
  const names: Record<string, string> = {};
  const list = [...ids];
  for (let at = 0; at < list.length && options.resources !== undefined; at += NAMES_PER_SEARCH) {
    const chunk = list.slice(at, at + NAMES_PER_SEARCH);
    // A SCIM filter's string is a JSON string (RFC 7644 §3.4.2.2): JSON.stringify quotes an id safely.
    const filter = chunk.map((id) => `id eq ${JSON.stringify(id)}`).join(' or ');
    const response = await options.resources.search('User', {
      filter,
      startIndex: 1,
      count: NAMES_PER_SEARCH,
    });
    if (response.status !== 200) continue;
    const body = (await response.json().catch(() => null)) as { Resources?: unknown } | null;
    if (!Array.isArray(body?.Resources)) continue;
    for (const user of body.Resources as { id?: unknown; userName?: unknown }[])
      if (typeof user.id === 'string' && typeof user.userName === 'string')
        Object.defineProperty(names, user.id, { value: user.userName, enumerable: true });
  }
  return names;
}

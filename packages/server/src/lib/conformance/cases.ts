import type { ServerPresetName } from '../options.js';
import { clientFor, type ConformanceTarget } from './client.js';
import { entraQuirks, entraQuirksDialect } from './entra-quirks.js';
import { entraTutorial, entraTutorialDialect } from './entra.js';
import { entraValidation } from './entra-validation.js';
import { oktaCases } from './okta.js';
import { postmanCases, postmanCasesDialect } from './postman.js';
import { protocolCases, rfcCases } from './rfc.js';

/**
 * One check of the conformance kit: a checklist row (`P-PATCH-10`) or the id of a client request
 * sequence in the IdP reference (`E5`, `P13`, `O9`, `3.1-3`), a title that names the client and the
 * rule, and `run`, which throws an `Error` that says what was wrong.
 * @example `for (const c of conformanceCases(target)) it(`${c.id}: ${c.name}`, c.run)`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export interface ConformanceCase {
  readonly id: string;
  readonly name: string;
  readonly run: () => Promise<void>;
}

/**
 * The compatibility preset the endpoint under test runs with. The RFC rows and the Entra ID and
 * Okta request sequences run for `default` (the default), `entra` and `okta`; `entra` adds the
 * Entra requests only the `entra` preset accepts because the RFC forbids them (bare-word filter
 * values, creating an element through a `replace` whose filter matches nothing); `rfc` runs the RFC
 * rows alone, since the client sequences need at least the `default` preset.
 * @example `{ dialect: 'entra' }`
 * @see https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups
 */
export interface ConformanceOptions {
  /** Default `default`; read in any case, and an unknown name is a `TypeError`. */
  readonly dialect?: ServerPresetName;
  /** @deprecated Use `dialect: 'entra'`; `entra: true` means the same. */
  readonly entra?: boolean;
  /** @deprecated The Okta sequences run in every dialect but `rfc`; `okta: true` means `dialect: 'okta'`. */
  readonly okta?: boolean;
}

const DIALECTS = ['rfc', 'default', 'entra', 'okta'] as const;

function dialectOf(options: ConformanceOptions): (typeof DIALECTS)[number] {
  if (options.dialect === undefined)
    return options.entra === true ? 'entra' : options.okta === true ? 'okta' : 'default';
  const dialect = String(options.dialect).toLowerCase();
  const known = DIALECTS.find((name) => name === dialect);
  if (known === undefined)
    throw new TypeError(
      `conformanceCases: unknown dialect ${JSON.stringify(options.dialect)}; use one of ${DIALECTS.join(', ')}`,
    );
  return known;
}

/**
 * The shared conformance kit: checklist rows, then the requests Microsoft Entra ID and Okta send
 * (their tutorials' wire exchanges, Microsoft's Postman collection, Entra's SCIM Validator and
 * gallery tests, Okta's SPEC test and protocol reference), each case named with its id in the
 * project's IdP reference (`E5`, `P13`, `O9`, `3.1-3`, …) and its checklist row. The client
 * sequences expect the `default` compatibility preset, which is what a bare `createScimHandler`
 * uses. Cases create their own uniquely named data, so a store may keep data between runs.
 * @example
 * ```ts
 * import { conformanceCases } from '@scim/server/testing';
 * for (const c of conformanceCases({ fetch: (r) => app.fetch(r), baseUrl: 'http://localhost/scim/v2', headers: { authorization: 'Bearer t' } })) {
 *   it(`${c.id}: ${c.name}`, c.run);
 * }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export function conformanceCases(
  target: ConformanceTarget,
  options: ConformanceOptions = {},
): ConformanceCase[] {
  const dialect = dialectOf(options);
  const call = clientFor(target);
  const selected = [
    ...rfcCases,
    ...protocolCases,
    ...(dialect === 'rfc'
      ? []
      : [
          ...entraTutorial,
          ...entraQuirks,
          ...entraValidation,
          ...postmanCases,
          ...oktaCases(target),
        ]),
    ...(dialect === 'entra'
      ? [...entraTutorialDialect, ...entraQuirksDialect, ...postmanCasesDialect]
      : []),
  ];
  return selected.map(([id, name, run]) => ({ id, name, run: () => run(call) }));
}

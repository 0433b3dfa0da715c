/**
 * `@scim/console`: a provisioning console for a SCIM 2.0 endpoint, served by the application under a
 * path it chooses. It shows the live requests (bodies redacted as the debug log redacts them, the
 * error, the change each write made), the lifecycle outbox with a retry for dead events, tenants and
 * their tokens (never a secret), and each tenant's activity over the last hour. Off unless an
 * application makes one, behind its own credential, and refused over plain HTTP except on loopback.
 *
 * @example
 * ```ts
 * import { createScimConsole } from '@scim/console';
 * const scimConsole = createScimConsole({ basePath: '/console', credential: process.env.SCIM_CONSOLE_TOKEN!, outbox: handler.outbox });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 * @packageDocumentation
 */
export { createScimConsole, type ScimConsole } from './lib/console.js';
export type {
  ConsoleDeliveries,
  ConsoleDelivery,
  ConsoleOutbox,
  ConsoleResourceQuery,
  ConsoleResources,
  ConsoleTenants,
  ScimConsoleOptions,
} from './lib/options.js';

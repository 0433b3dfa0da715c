/** @type {import('next').NextConfig} */
const nextConfig = {
  // @scim/sql imports its database drivers (better-sqlite3, pg, mysql2, PGlite) only when a URL
  // names one: left to Node, it needs only that one installed; bundled, every driver would be.
  serverExternalPackages: ['@scim/sql'],
};
export default nextConfig;

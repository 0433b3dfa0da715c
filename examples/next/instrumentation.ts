// Runs once when the server starts: without SCIM_TOKEN, make a token for this run and show it once.
export function register(): void {
  if (process.env.NEXT_RUNTIME !== 'nodejs' || (process.env.SCIM_TOKEN ?? '') !== '') return;
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  process.env.SCIM_TOKEN = btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
  console.log(
    `SCIM_TOKEN is not set; this run accepts the bearer token:\n  ${process.env.SCIM_TOKEN}`,
  );
}

// Runs once when the server starts: without SCIM_TOKEN, make a token for this run and show it once;
// then open the database and apply its migrations, so that the first request does not wait for it.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  if ((process.env.SCIM_TOKEN ?? '') === '') {
    const bytes = crypto.getRandomValues(new Uint8Array(24));
    process.env.SCIM_TOKEN = btoa(String.fromCharCode(...bytes))
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
    console.log(
      `SCIM_TOKEN is not set; this run accepts the bearer token:\n  ${process.env.SCIM_TOKEN}`,
    );
  }
  const { scimHandlers } = await import('./scim.ts');
  await scimHandlers();
  // performance.now() counts from the process's start.
  console.log(`SCIM 2.0 endpoint ready ${performance.now().toFixed(0)} ms after the start`);
}

// The console's two HTML documents. No inline script or style (the Content-Security-Policy forbids
// both): the script and the stylesheet are routes of their own. Only the base path is interpolated,
// and it is escaped although `resolveOptions` already allows nothing but path characters.

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function head(base: string, title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="${base}/console.css">
</head>`;
}

/** The login form: the credential is posted once and exchanged for a signed session cookie. */
export function loginPage(basePath: string, failed: boolean): string {
  const base = escapeHtml(basePath);
  return `${head(base, 'SCIM console: log in')}
<body class="login">
<main>
<h1>SCIM console</h1>
<form method="post" action="${base}/login" autocomplete="off">
<label for="credential">Console token</label>
<input id="credential" name="credential" type="password" required autofocus>
<button type="submit">Log in</button>
${failed ? '<p class="failure" role="alert">That token is not the console token.</p>' : ''}
</form>
</main>
</body>
</html>`;
}

/** The console page; the script fills it from the JSON endpoints and keeps it up to date. */
export function consolePage(basePath: string): string {
  const base = escapeHtml(basePath);
  return `${head(base, 'SCIM console')}
<body data-base="${base}">
<header>
<h1>SCIM console</h1>
<nav>
<button type="button" class="tab" data-view="requests" aria-selected="true">Requests</button>
<button type="button" class="tab" data-view="resources" aria-selected="false">Resources</button>
<button type="button" class="tab" data-view="outbox" aria-selected="false">Lifecycle</button>
<button type="button" class="tab" data-view="tenants" aria-selected="false">Tenants</button>
<button type="button" class="tab" data-view="activity" aria-selected="false">Activity</button>
</nav>
<form method="post" action="${base}/logout"><button type="submit" class="quiet">Log out</button></form>
</header>
<main>
<section id="view-requests" class="view">
<div class="split">
<div class="list">
<table id="requests">
<thead><tr><th>Time</th><th>Method</th><th>Path</th><th>Status</th><th>ms</th><th>Dialect</th><th>Tenant</th></tr></thead>
<tbody></tbody>
</table>
<p class="empty" id="requests-empty">No requests yet. They appear here as the identity provider sends them.</p>
</div>
<aside id="detail" hidden>
<h2 id="detail-title"></h2>
<dl id="detail-facts"></dl>
<div id="detail-error" class="error-box" hidden><h3>Error</h3><p><code id="detail-scimtype"></code> <span id="detail-message"></span></p></div>
<div id="detail-rules" hidden><h3>Compatibility rules applied</h3><ul id="detail-rules-list" class="rules"></ul></div>
<div id="detail-changes"></div>
<h3>Request body</h3>
<pre id="detail-request"></pre>
<h3>Response body</h3>
<pre id="detail-response"></pre>
</aside>
</div>
</section>
<section id="view-resources" class="view" hidden>
<form id="resource-search" class="search">
<select id="resource-type" name="type" aria-label="Resource type"><option value="User">Users</option><option value="Group">Groups</option></select>
<input id="resource-filter" name="filter" type="search" placeholder='SCIM filter, such as userName eq "bjensen@example.com"' aria-label="SCIM filter" autocomplete="off" spellcheck="false">
<button type="submit">Search</button>
</form>
<div id="resource-error" class="error-box" hidden><h3>The SCIM endpoint refused this filter</h3><p><code id="resource-scimtype"></code> <span id="resource-message"></span></p></div>
<div class="split">
<div class="list">
<p class="empty" id="resources-summary"></p>
<table id="resources">
<thead><tr><th>Name</th><th>externalId</th><th>Active / members</th><th>id</th></tr></thead>
<tbody></tbody>
</table>
</div>
<aside id="resource-detail" hidden>
<h2 id="resource-title"></h2>
<div id="resource-members"></div>
<h3>As the SCIM endpoint returns it</h3>
<pre id="resource-json"></pre>
</aside>
</div>
</section>
<section id="view-outbox" class="view" hidden>
<p class="empty" id="outbox-empty">No lifecycle events yet.</p>
<p class="empty" id="outbox-partial" hidden>The outbox holds more events than the console reads (the newest 1,000 pending and dead, the newest 200 delivered): older ones are not shown here.</p>
<table id="outbox">
<thead><tr><th>Occurred</th><th>Event</th><th>Resource</th><th>Tenant</th><th>State</th><th>Attempts</th><th>Last error</th><th></th></tr></thead>
<tbody></tbody>
</table>
<div id="deliveries-box" hidden>
<h2 class="section">Event stream deliveries</h2>
<table id="deliveries">
<thead><tr><th>Queued</th><th>Stream</th><th>Events</th><th>Subject</th><th>State</th><th>Attempts</th><th>Last error</th><th></th></tr></thead>
<tbody></tbody>
</table>
</div>
</section>
<section id="view-tenants" class="view" hidden>
<div id="tenants"></div>
</section>
<section id="view-activity" class="view" hidden>
<div id="charts"></div>
</section>
</main>
<script src="${base}/console.js"></script>
</body>
</html>`;
}

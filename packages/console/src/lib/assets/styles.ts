// The console's stylesheet, served as its own route (no inline style under the CSP).
export const CONSOLE_CSS = `
:root { color-scheme: light dark; --fg: #1b1f24; --muted: #5b6470; --bg: #fff; --panel: #f5f7fa;
  --line: #d8dee6; --accent: #2255cc; --ok: #1f7a3a; --warn: #a15c00; --bad: #b3261e; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6e9ee; --muted: #9aa4b0; --bg: #14171b;
  --panel: #1d2127; --line: #333a44; --accent: #7aa2ff; --ok: #5cc47a; --warn: #e0a040; --bad: #ff7b72; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header h1 { font-size: 1.05rem; margin: 0; }
nav { display: flex; gap: .25rem; flex: 1; }
button { font: inherit; cursor: pointer; border: 1px solid var(--line); background: var(--bg); color: var(--fg); border-radius: 6px; padding: .3rem .75rem; }
button.tab[aria-selected="true"] { background: var(--accent); border-color: var(--accent); color: #fff; }
button.quiet { background: transparent; }
main { padding: 1rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { font-weight: 600; color: var(--muted); font-size: .85rem; }
td.path { white-space: normal; word-break: break-all; font-family: ui-monospace, monospace; font-size: .85rem; }
td.path.error { word-break: normal; overflow-wrap: anywhere; }
tbody tr { cursor: pointer; }
tbody tr:hover, tbody tr[aria-selected="true"] { background: var(--panel); }
tbody tr:focus-visible { outline: 2px solid var(--accent); outline-offset: -2px; }
.status-2 { color: var(--ok); } .status-3 { color: var(--muted); } .status-4 { color: var(--warn); } .status-5 { color: var(--bad); }
.split { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; align-items: start; }
aside { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; background: var(--panel); position: sticky; top: 1rem; max-height: calc(100vh - 6rem); overflow: auto; }
aside h2 { font-size: 1rem; margin: 0 0 .5rem; font-family: ui-monospace, monospace; word-break: break-all; }
aside h3 { font-size: .9rem; margin: 1rem 0 .3rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .75rem; margin: 0; }
dt { color: var(--muted); } dd { margin: 0; word-break: break-all; }
pre { margin: 0; padding: .5rem; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; overflow: auto; font-size: .8rem; max-height: 22rem; }
.error-box { border-left: 4px solid var(--bad); padding: .1rem .75rem; margin-top: .75rem; background: var(--bg); }
.diff td { font-family: ui-monospace, monospace; font-size: .8rem; white-space: pre-wrap; word-break: break-all; }
.diff .before { color: var(--bad); } .diff .after { color: var(--ok); }
.empty { color: var(--muted); }
p.refusal { margin: .3rem 0 0; min-width: 16rem; max-width: 28rem; white-space: normal; overflow-wrap: anywhere; color: var(--bad); font-size: .85rem; }
.state-dead { color: var(--bad); font-weight: 600; } .state-pending { color: var(--warn); } .state-delivered { color: var(--ok); }
.card { border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin-bottom: 1rem; background: var(--panel); }
.card h2 { font-size: 1rem; margin: 0 0 .5rem; }
svg.chart { width: 100%; max-width: 720px; height: 120px; background: var(--bg); border: 1px solid var(--line); border-radius: 6px; }
svg .ok, .swatch.ok, svg .delivered, .swatch.delivered { fill: var(--ok); background: var(--ok); }
svg .clientError, .swatch.clientError, svg .pending, .swatch.pending { fill: var(--warn); background: var(--warn); }
svg .serverError, .swatch.serverError, svg .dead, .swatch.dead { fill: var(--bad); background: var(--bad); }
.legend { display: flex; gap: 1rem; font-size: .8rem; color: var(--muted); margin: .25rem 0 .75rem; }
.swatch { display: inline-block; width: .7rem; height: .7rem; margin-right: .3rem; border-radius: 2px; }
form.search { display: flex; gap: .5rem; margin-bottom: .75rem; }
form.search input { flex: 1; font: 13px ui-monospace, monospace; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
form.search select { font: inherit; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
#resource-error { margin: 0 0 .75rem; }
h2.section { font-size: 1rem; margin: 1.5rem 0 .5rem; }
ul.rules { margin: .25rem 0; padding-left: 1.2rem; }
ul.rules code { font-size: .85rem; } ul.rules .layer { color: var(--muted); font-size: .8rem; }
ul.members { margin: .25rem 0; padding-left: 1.2rem; font-family: ui-monospace, monospace; font-size: .85rem; }
body.login main { max-width: 22rem; margin: 15vh auto; }
body.login form { display: grid; gap: .5rem; }
body.login input { font: inherit; padding: .4rem; border: 1px solid var(--line); border-radius: 6px; }
.failure { color: var(--bad); }
@media (max-width: 900px) { .split { grid-template-columns: 1fr; } }
`;

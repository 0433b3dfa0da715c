// The console's script, served as its own route. Plain browser JavaScript without dependencies;
// every value from the server reaches the page through textContent or an attribute, never as HTML.
export const CONSOLE_JS = String.raw`'use strict';
(function () {
  var base = document.body.getAttribute('data-base') || '';
  var lastSeq = 0;
  var selected = null;
  var view = 'requests';
  var SVG = 'http://www.w3.org/2000/svg';

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  // A row that opens a detail: by click, or by Enter or Space once Tab has brought the focus to it,
  // so the page can be read without a mouse. Keys pressed on a control inside the row stay its own.
  function opensDetail(row, open) {
    row.tabIndex = 0;
    row.addEventListener('click', open);
    row.addEventListener('keydown', function (event) {
      if (event.target !== row || (event.key !== 'Enter' && event.key !== ' ')) return;
      event.preventDefault();
      open();
    });
  }
  function api(path, init) {
    return fetch(base + path, Object.assign({ credentials: 'same-origin', headers: { accept: 'application/json' } }, init || {}))
      .then(function (response) {
        if (response.status === 401) { window.location.assign(base + '/login'); throw new Error('logged out'); }
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      });
  }
  function pretty(value) { return value === null || value === undefined ? '(none)' : JSON.stringify(value, null, 2); }
  function time(iso) { var d = new Date(iso); return isNaN(d.getTime()) ? '' : d.toLocaleTimeString(); }

  // Tabs
  var tabs = document.querySelectorAll('button.tab');
  tabs.forEach(function (tab) {
    tab.addEventListener('click', function () {
      view = tab.getAttribute('data-view');
      tabs.forEach(function (other) { other.setAttribute('aria-selected', String(other === tab)); });
      document.querySelectorAll('section.view').forEach(function (section) { section.hidden = section.id !== 'view-' + view; });
      refresh();
    });
  });

  // Live requests
  var rows = document.querySelector('#requests tbody');
  function requestRow(request) {
    var row = el('tr');
    row.setAttribute('data-seq', request.seq);
    row.appendChild(el('td', '', time(request.at)));
    row.appendChild(el('td', '', request.method));
    row.appendChild(el('td', 'path', request.path + (request.query ? decodeQuery(request.query) : '')));
    row.appendChild(el('td', 'status-' + String(request.status).charAt(0), request.status));
    row.appendChild(el('td', '', request.durationMs));
    row.appendChild(el('td', '', request.dialect || ''));
    row.appendChild(el('td', '', request.tenant || ''));
    opensDetail(row, function () { open(request.seq); });
    return row;
  }
  function decodeQuery(query) { try { return decodeURIComponent(query.replace(/\+/g, ' ')); } catch (e) { return query; } }
  function pollRequests() {
    return api('/api/requests?after=' + lastSeq).then(function (reply) {
      var list = reply.body.requests || [];
      for (var i = list.length - 1; i >= 0; i--) {
        rows.insertBefore(requestRow(list[i]), rows.firstChild);
        lastSeq = Math.max(lastSeq, list[i].seq);
      }
      var focusDropped = false;
      while (rows.children.length > reply.body.size) {
        focusDropped = focusDropped || rows.lastChild.contains(document.activeElement);
        rows.removeChild(rows.lastChild);
      }
      // The focused row left the history: the focus stays in the table, on the oldest row left,
      // rather than falling back to the top of the page.
      if (focusDropped && rows.lastChild) rows.lastChild.focus();
      document.getElementById('requests-empty').hidden = rows.children.length > 0;
    });
  }
  function fact(list, name, value) {
    list.appendChild(el('dt', '', name));
    list.appendChild(el('dd', '', value === null || value === undefined || value === '' ? '—' : value));
  }
  // A request opens by its place in the history (seq): request ids come from clients, and repeat.
  function open(seq) {
    selected = seq;
    rows.querySelectorAll('tr').forEach(function (row) { row.setAttribute('aria-selected', String(row.getAttribute('data-seq') === String(seq))); });
    api('/api/requests/' + seq).then(function (reply) {
      var panel = document.getElementById('detail');
      if (reply.status !== 200) { panel.hidden = true; return; }
      var d = reply.body;
      panel.hidden = false;
      document.getElementById('detail-title').textContent = d.method + ' ' + d.path + ' → ' + d.status;
      var facts = document.getElementById('detail-facts');
      clear(facts);
      fact(facts, 'Request id', d.id);
      fact(facts, 'Time', d.at);
      fact(facts, 'Duration', d.durationMs + ' ms');
      fact(facts, 'Tenant', d.tenant);
      fact(facts, 'Dialect', d.dialect);
      fact(facts, 'Query', d.query ? decodeQuery(d.query) : '');
      fact(facts, 'User-Agent', d.requestHeaders && d.requestHeaders['user-agent']);
      fact(facts, 'Caller', d.principal === null ? '' : JSON.stringify(d.principal));
      var errorBox = document.getElementById('detail-error');
      errorBox.hidden = !d.error;
      if (d.error) {
        document.getElementById('detail-scimtype').textContent = d.error.scimType || '(no scimType)';
        document.getElementById('detail-message').textContent = d.error.detail || '';
      }
      // The client quirks the SCIM endpoint accepted in this request, by the option that allowed each.
      var rules = d.compatibility || [];
      var ruleList = document.getElementById('detail-rules-list');
      clear(ruleList);
      document.getElementById('detail-rules').hidden = rules.length === 0;
      rules.forEach(function (rule) { ruleList.appendChild(ruleItem(rule)); });
      var changes = document.getElementById('detail-changes');
      clear(changes);
      (d.changes || []).forEach(function (change) { changes.appendChild(changeView(change)); });
      if (d.changesPartial) changes.appendChild(el('p', 'empty', 'The outbox holds more events than the console reads: changes of this request may be missing.'));
      var noBodies = d.bodies ? '(none)' : '(bodies are recorded when the SCIM handler runs with debug: true)';
      document.getElementById('detail-request').textContent = d.requestBody === null ? noBodies : pretty(d.requestBody);
      document.getElementById('detail-response').textContent = d.responseBody === null ? noBodies : pretty(d.responseBody);
    });
  }
  function ruleItem(rule) {
    var item = el('li', 'rule');
    item.appendChild(el('code', 'rule-name', rule.rule));
    if (rule.path) { item.appendChild(document.createTextNode(' at ')); item.appendChild(el('code', 'rule-path', rule.path)); }
    item.appendChild(el('span', 'layer', ' (' + rule.layer + ')'));
    return item;
  }
  function changeView(change) {
    var box = el('div', 'change');
    box.appendChild(el('h3', '', 'Change: ' + change.type + ' ' + change.resourceType + ' ' + change.resourceId));
    if (change.members) box.appendChild(el('p', '', 'Members: ' + change.members.join(', ')));
    if (change.diff.length === 0) return box;
    var table = el('table', 'diff');
    var head = el('tr');
    ['Attribute', 'Before', 'After'].forEach(function (name) { head.appendChild(el('th', '', name)); });
    table.appendChild(head);
    change.diff.forEach(function (line) {
      var row = el('tr');
      row.appendChild(el('td', 'attr', line.path));
      row.appendChild(el('td', 'before', 'before' in line ? JSON.stringify(line.before) : ''));
      row.appendChild(el('td', 'after', 'after' in line ? JSON.stringify(line.after) : ''));
      table.appendChild(row);
    });
    box.appendChild(table);
    return box;
  }

  // Resources: users and groups as the SCIM endpoint returns them, searched with a SCIM filter
  var resourceForm = document.getElementById('resource-search');
  var resourcesLoaded = false;
  function searchResources() {
    resourcesLoaded = true;
    var type = document.getElementById('resource-type').value;
    var filter = document.getElementById('resource-filter').value;
    var query = '?type=' + encodeURIComponent(type) + '&count=50' + (filter.trim() ? '&filter=' + encodeURIComponent(filter) : '');
    return api('/api/resources' + query).then(function (reply) {
      var body = document.querySelector('#resources tbody');
      var summary = document.getElementById('resources-summary');
      var errorBox = document.getElementById('resource-error');
      clear(body);
      document.getElementById('resource-detail').hidden = true;
      var error = reply.body.error || (reply.status !== 200 ? { scimType: null, detail: reply.body.detail } : null);
      errorBox.hidden = !error;
      if (error) {
        document.getElementById('resource-scimtype').textContent = error.scimType || String(reply.status);
        document.getElementById('resource-message').textContent = error.detail || '';
        summary.textContent = '';
        return;
      }
      if (!reply.body.configured) { summary.textContent = 'No resource search is configured (the resources option).'; return; }
      var list = reply.body.resources || [];
      summary.textContent = (reply.body.totalResults === null ? list.length : reply.body.totalResults) + ' ' + (type === 'Group' ? 'group' : 'user') + (reply.body.totalResults === 1 ? '' : 's') + (list.length < reply.body.totalResults ? ', the first ' + list.length + ' shown' : '');
      list.forEach(function (resource) {
        var row = el('tr');
        row.setAttribute('data-id', resource.id);
        row.appendChild(el('td', 'path', type === 'Group' ? resource.displayName : resource.userName));
        row.appendChild(el('td', '', resource.externalId || ''));
        row.appendChild(el('td', '', type === 'Group' ? (resource.members || []).length + ' members' : resource.active === false ? 'inactive' : 'active'));
        row.appendChild(el('td', 'path', resource.id));
        var userNames = reply.body.userNames || {};
        opensDetail(row, function () { openResource(type, resource, row, userNames); });
        body.appendChild(row);
      });
    });
  }
  function openResource(type, resource, row, userNames) {
    document.querySelectorAll('#resources tbody tr').forEach(function (other) { other.setAttribute('aria-selected', String(other === row)); });
    document.getElementById('resource-detail').hidden = false;
    document.getElementById('resource-title').textContent = type + ' ' + (type === 'Group' ? resource.displayName : resource.userName);
    var members = document.getElementById('resource-members');
    clear(members);
    if (type === 'Group') {
      var list = resource.members || [];
      members.appendChild(el('h3', '', 'Members (' + list.length + ')'));
      var ul = el('ul', 'members');
      list.forEach(function (member) {
        var name = Object.prototype.hasOwnProperty.call(userNames, member.value) ? userNames[member.value] : member.display;
        ul.appendChild(el('li', 'member', (name ? name + ' ' : '') + '(' + (member.type ? member.type + ' ' : '') + member.value + ')'));
      });
      if (list.length === 0) members.appendChild(el('p', 'empty', 'No members.'));
      else members.appendChild(ul);
    }
    document.getElementById('resource-json').textContent = pretty(resource);
  }
  resourceForm.addEventListener('submit', function (event) {
    event.preventDefault();
    searchResources().catch(function () {});
  });

  // Lifecycle: the outbox, with a retry for dead events
  function pollOutbox() {
    return api('/api/outbox').then(function (reply) {
      var body = document.querySelector('#outbox tbody');
      var entries = reply.body.entries || [];
      document.getElementById('outbox-empty').textContent = reply.body.configured ? 'No lifecycle events yet.' : 'No outbox is configured.';
      document.getElementById('outbox-empty').hidden = entries.length > 0;
      document.getElementById('outbox-partial').hidden = !reply.body.partial;
      rebuild(body, function () { entries.forEach(function (entry) {
        var row = el('tr');
        row.setAttribute('data-id', entry.id);
        row.appendChild(el('td', '', time(entry.occurredAt)));
        row.appendChild(typeCell(entry));
        row.appendChild(el('td', 'path', entry.resourceType + ' ' + entry.resourceId));
        row.appendChild(el('td', '', entry.tenant || ''));
        row.appendChild(el('td', 'state-' + entry.state, entry.state));
        row.appendChild(el('td', '', entry.attempts));
        row.appendChild(el('td', 'path error', entry.lastError || ''));
        row.appendChild(retryCell(entry.state, '/api/outbox/' + encodeURIComponent(entry.id) + '/retry', pollOutbox));
        body.appendChild(row);
      }); });
    });
  }

  // An asynchronous request's completion names the client quirks its work relied on after the 202,
  // which no request's detail can: its log record was made with the 202.
  function typeCell(entry) {
    var cell = el('td', '', entry.type);
    var rules = entry.compatibility || [];
    if (rules.length === 0) return cell;
    var list = el('ul', 'rules');
    list.setAttribute('aria-label', 'Compatibility rules applied');
    rules.forEach(function (rule) { list.appendChild(ruleItem(rule)); });
    cell.appendChild(list);
    return cell;
  }

  // The last cell of an outbox or delivery row: a Retry button for a dead one, which posts to
  // its retry route and then refreshes the table. A refused retry (the event was retried or
  // delivered meanwhile, or a SET's replay would be out of order) leaves a message in the cell.
  // Refusals are kept by route because every poll rebuilds the table: the same message node goes
  // back in each time, so it stays on screen and screen readers do not announce it again.
  var refusals = {};
  var refusalCount = 0;
  // The route of a pressed Retry button: once its table is rebuilt, the new button gets the focus.
  var pressed = null;
  function retryCell(state, path, refresh) {
    var cell = el('td');
    var note = refusals[path];
    if (state === 'dead') {
      var button = el('button', 'retry', 'Retry');
      button.type = 'button';
      button.setAttribute('data-route', path);
      if (note) button.setAttribute('aria-describedby', note.id);
      button.addEventListener('click', function () {
        pressed = path;
        button.disabled = true;
        delete refusals[path];
        if (note && note.parentNode) note.parentNode.removeChild(note);
        api(path, { method: 'POST' }).then(function (reply) {
          if (reply.status >= 200 && reply.status < 300) return refresh();
          var detail = reply.body && typeof reply.body.detail === 'string' ? reply.body.detail : 'no reason given';
          return refuse(path, 'Retry refused (' + reply.status + '): ' + detail, button, refresh);
        }).catch(function () {
          return refuse(path, 'Retry failed: the console did not answer', button, refresh);
        }).then(function () { if (pressed === path) pressed = null; });
      });
      cell.appendChild(button);
    }
    if (note) cell.appendChild(note);
    return cell;
  }
  function refuse(path, text, button, refresh) {
    var note = el('p', 'refusal');
    note.id = 'refusal-' + ++refusalCount;
    note.setAttribute('role', 'status');
    refusals[path] = note;
    button.disabled = false;
    // The text goes in once the empty live region is in the page: a screen reader announces a
    // change to a live region, not one that arrives with its text already in it.
    function say() { note.textContent = text; }
    return refresh().then(say, say);
  }
  // Rebuilds a table's rows. The Retry button that had the focus (or was just pressed, and lost it
  // by being disabled) has it again in the new rows, so a keyboard user stays where they were.
  function rebuild(body, build) {
    var active = document.activeElement;
    var route = active && body.contains(active) ? active.getAttribute('data-route') : pressed;
    clear(body);
    build();
    if (!route) return;
    var buttons = body.querySelectorAll('button.retry');
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].getAttribute('data-route') === route) { buttons[i].focus(); return; }
    }
  }

  // Event stream deliveries (SETs), with a retry for dead ones
  function pollDeliveries() {
    return api('/api/deliveries').then(function (reply) {
      document.getElementById('deliveries-box').hidden = !reply.body.configured;
      var body = document.querySelector('#deliveries tbody');
      rebuild(body, function () { (reply.body.entries || []).forEach(function (entry) {
        var row = el('tr');
        row.setAttribute('data-id', entry.streamId + '/' + entry.jti);
        row.appendChild(el('td', '', entry.queuedAt ? time(entry.queuedAt) : ''));
        row.appendChild(el('td', '', entry.streamId));
        row.appendChild(el('td', '', entry.events.join(' ')));
        row.appendChild(el('td', 'path', entry.subject || ''));
        row.appendChild(el('td', 'state-' + entry.state, entry.state));
        row.appendChild(el('td', '', entry.attempts));
        row.appendChild(el('td', 'path error', entry.lastError || ''));
        row.appendChild(retryCell(entry.state, '/api/deliveries/' + encodeURIComponent(entry.streamId) + '/' + encodeURIComponent(entry.jti) + '/retry', pollDeliveries));
        body.appendChild(row);
      }); });
    });
  }

  // Tenants and tokens
  function pollTenants() {
    return api('/api/tenants').then(function (reply) {
      var root = document.getElementById('tenants');
      clear(root);
      var tenants = reply.body.tenants || [];
      if (tenants.length === 0) root.appendChild(el('p', 'empty', 'No tenants are configured: this endpoint serves one.'));
      tenants.forEach(function (tenant) {
        var card = el('div', 'card');
        card.appendChild(el('h2', '', tenant.name));
        card.appendChild(el('p', '', tenant.requestsLastHour + ' requests in the last hour'));
        if (tenant.settings) card.appendChild(el('pre', '', pretty(tenant.settings)));
        var table = el('table');
        var head = el('tr');
        ['Token', 'State', 'Scopes', 'Created', 'Last used', 'Expires'].forEach(function (name) { head.appendChild(el('th', '', name)); });
        table.appendChild(head);
        tenant.tokens.forEach(function (token) {
          var row = el('tr');
          [token.label || token.id, token.state, (token.scopes || ['all']).join(' '), token.createdAt, token.lastUsedAt || 'never', token.expiresAt || 'never']
            .forEach(function (value) { row.appendChild(el('td', '', value)); });
          table.appendChild(row);
        });
        card.appendChild(table);
        root.appendChild(card);
      });
    });
  }

  // Activity: requests per minute by status and deliveries by outcome, per tenant, last hour
  function chart(series, keys) {
    var svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('class', 'chart');
    svg.setAttribute('viewBox', '0 0 600 100');
    svg.setAttribute('preserveAspectRatio', 'none');
    var max = 1;
    series.forEach(function (slot) { var sum = 0; keys.forEach(function (k) { sum += slot[k]; }); max = Math.max(max, sum); });
    series.forEach(function (slot, index) {
      var y = 100;
      keys.forEach(function (key) {
        var h = (slot[key] / max) * 96;
        if (h <= 0) return;
        y -= h;
        var rect = document.createElementNS(SVG, 'rect');
        rect.setAttribute('class', key);
        rect.setAttribute('x', String(index * 10 + 1));
        rect.setAttribute('width', '8');
        rect.setAttribute('y', String(y));
        rect.setAttribute('height', String(h));
        var title = document.createElementNS(SVG, 'title');
        title.textContent = key + ': ' + slot[key];
        rect.appendChild(title);
        svg.appendChild(rect);
      });
    });
    return svg;
  }
  function legend(keys, names) {
    var box = el('div', 'legend');
    keys.forEach(function (key, i) { var item = el('span'); item.appendChild(el('i', 'swatch ' + key)); item.appendChild(document.createTextNode(names[i])); box.appendChild(item); });
    return box;
  }
  function pollRates() {
    return api('/api/rates').then(function (reply) {
      var root = document.getElementById('charts');
      clear(root);
      var tenants = Object.keys(Object.assign({}, reply.body.requests, reply.body.deliveries)).sort();
      if (tenants.length === 0) root.appendChild(el('p', 'empty', 'Nothing in the last hour yet.'));
      if (reply.body.partial) root.appendChild(el('p', 'empty', 'The outbox holds more events than the console reads: the newest may be missing from the counts.'));
      tenants.forEach(function (tenant) {
        var card = el('div', 'card');
        card.appendChild(el('h2', '', tenant === '' ? 'Requests and deliveries' : 'Tenant ' + tenant));
        var requests = reply.body.requests[tenant];
        if (requests) {
          card.appendChild(el('h3', '', 'Requests per minute, last hour'));
          card.appendChild(chart(requests, ['ok', 'clientError', 'serverError']));
          card.appendChild(legend(['ok', 'clientError', 'serverError'], ['2xx/3xx', '4xx', '5xx']));
        }
        var deliveries = reply.body.deliveries[tenant];
        if (deliveries) {
          card.appendChild(el('h3', '', 'Lifecycle events by outcome, last hour'));
          card.appendChild(chart(deliveries, ['delivered', 'pending', 'dead']));
          card.appendChild(legend(['delivered', 'pending', 'dead'], ['delivered', 'pending', 'dead']));
        }
        root.appendChild(card);
      });
    });
  }

  function refresh() {
    if (view === 'resources') return resourcesLoaded ? Promise.resolve() : searchResources().catch(function () {});
    var work = view === 'requests' ? pollRequests() : view === 'outbox' ? Promise.all([pollOutbox(), pollDeliveries()]) : view === 'tenants' ? pollTenants() : pollRates();
    return work.catch(function () {});
  }
  // Polling: the new requests every second (only those after the last seen), other views less often.
  var tick = 0;
  setInterval(function () {
    tick++;
    if (view === 'requests') pollRequests().catch(function () {});
    else if (tick % 3 === 0 && view !== 'resources') refresh();
  }, 1000);
  pollRequests().catch(function () {});
})();
`;

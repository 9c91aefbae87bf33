// The dashboard page: region cards, actions, the backlog chart and the transaction feed, fed by /api/live.
(function () {
  'use strict';
  const TOKEN_KEY = 'dualpush.dashboard.token';
  const FEED_MAX = 200;
  const tokenInput = document.getElementById('token');
  const connection = document.getElementById('connection');
  const regionsEl = document.getElementById('regions');
  const message = document.getElementById('message');
  const alerts = document.getElementById('alerts');
  const feed = document.getElementById('feed');
  const lagDestination = document.getElementById('lag-destination');
  const failoverTo = document.getElementById('failover-to');
  const chart = new window.BacklogChart(document.getElementById('lag-chart'), document.getElementById('chart-legend'), 3 * 60 * 1000);
  const cards = new Map();
  const feedItems = new Map();

  tokenInput.value = sessionStorage.getItem(TOKEN_KEY) || '';
  tokenInput.addEventListener('input', () => sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim()));

  function headers(json) {
    const h = {};
    const token = tokenInput.value.trim();
    if (token) { h['Authorization'] = 'Bearer ' + token; }
    if (json) { h['Content-Type'] = 'application/json'; }
    return h;
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }

  function formatAge(ms) {
    if (ms < 1000) { return ms + ' ms'; }
    if (ms < 60000) { return (ms / 1000).toFixed(1) + ' s'; }
    return Math.floor(ms / 60000) + ' min ' + Math.floor(ms % 60000 / 1000) + ' s';
  }

  function card(region) {
    let c = cards.get(region.id);
    if (c) { return c; }
    const root = el('div', 'card');
    root.setAttribute('data-region', region.id);
    const title = el('h3');
    title.appendChild(el('span', 'name', region.id));
    const badge = el('span', 'badge');
    title.appendChild(badge);
    root.appendChild(title);
    root.appendChild(el('div', 'sub', (region.region || 'no region') + (region.required ? ' · required' : ' · optional')));
    const dl = el('dl');
    const fields = {};
    for (const [label, cls] of [['backlog', 'lag-backlog'], ['oldest', 'lag-age'], ['bytes', 'lag-bytes'],
      ['p50 / p99', 'lag-latency'], ['breaker', 'breaker'], ['latency', 'added-latency'], ['reads', 'read-preferred']]) {
      dl.appendChild(el('dt', null, label));
      const dd = el('dd', cls);
      dl.appendChild(dd);
      fields[cls] = dd;
    }
    root.appendChild(dl);
    const buttons = el('div', 'buttons');
    const down = el('button', null, 'Take ' + region.id + ' down');
    down.type = 'button';
    down.setAttribute('data-action', 'down');
    down.setAttribute('data-destination', region.id);
    const up = el('button', null, 'Bring ' + region.id + ' back');
    up.type = 'button';
    up.setAttribute('data-action', 'up');
    up.setAttribute('data-destination', region.id);
    buttons.appendChild(down);
    buttons.appendChild(up);
    root.appendChild(buttons);
    regionsEl.appendChild(root);
    lagDestination.appendChild(new Option(region.id, region.id));
    failoverTo.appendChild(new Option(region.id, region.id));
    c = { root: root, badge: badge, fields: fields, at: 0 };
    cards.set(region.id, c);
    return c;
  }

  function showRegion(region) {
    const c = card(region);
    if (region.at && region.at < c.at) { return; }
    c.at = region.at || c.at;
    c.root.setAttribute('data-status', region.status);
    c.badge.textContent = region.status;
    const lag = region.lag || {};
    c.fields['lag-backlog'].textContent = String(lag.backlogCopies);
    c.fields['lag-age'].textContent = formatAge(lag.oldestPendingAgeMs || 0);
    c.fields['lag-bytes'].textContent = String(lag.backlogBytes);
    c.fields['lag-latency'].textContent = lag.p50Ms + ' / ' + lag.p99Ms + ' ms';
    c.fields['breaker'].textContent = region.breaker;
    c.fields['added-latency'].textContent = (region.simulation ? region.simulation.addedLatencyMs : 0) + ' ms';
    c.fields['read-preferred'].textContent = region.readPreferred ? 'preferred' : '';
    chart.add(region.id, Date.now(), lag.backlogCopies || 0);
  }

  // A live transaction goes on top; one from the first page (older, and possibly answered after live ones
  // arrived) goes below what is there.
  function showTransaction(tx, older) {
    let li = feedItems.get(tx.transactionId);
    if (li && older) { return; }
    if (!li) {
      li = el('li');
      li.setAttribute('data-transaction-id', tx.transactionId);
      if (older) { feed.appendChild(li); } else { feed.insertBefore(li, feed.firstChild); }
      feedItems.set(tx.transactionId, li);
      while (feed.children.length > FEED_MAX) {
        const last = feed.lastChild;
        feedItems.delete(last.getAttribute('data-transaction-id'));
        feed.removeChild(last);
      }
    }
    li.textContent = '';
    li.setAttribute('data-state', tx.state);
    li.appendChild(el('span', 'time', new Date(tx.at / 1000).toLocaleTimeString()));
    li.appendChild(el('span', 'key', tx.key + ' (' + tx.bytes + ' B)'));
    li.appendChild(el('span', 'state st-' + tx.state, tx.state));
    const copies = el('span', 'copies');
    for (const [id, status] of Object.entries(tx.destinations || {})) {
      copies.appendChild(el('span', 'st-' + status, id + ' ' + status));
    }
    li.appendChild(copies);
  }

  function showAlert(alert) {
    alerts.classList.toggle('resolved', alert.phase === 'resolved');
    alerts.textContent = (alert.phase === 'resolved' ? 'Resolved ' : 'Alert ') + alert.alertType + ' ['
      + alert.severity + ']: ' + alert.message;
  }

  function onBatch(batch) {
    for (const e of batch.events) {
      if (e.type === 'region') { showRegion(e); }
      else if (e.type === 'transaction') { showTransaction(e, false); }
      else if (e.type === 'alert') { showAlert(e); }
    }
  }

  async function act(path, body, label) {
    message.classList.remove('error');
    message.textContent = label + '…';
    try {
      const res = await fetch(path, { method: 'POST', headers: headers(true), body: JSON.stringify(body) });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) {
        message.classList.add('error');
        message.textContent = label + ' failed (' + res.status + '): ' + (data.error || res.statusText)
          + (data.field ? ' [' + data.field + ']' : '');
        return;
      }
      (data.regions || []).forEach(r => showRegion(Object.assign({ at: data.at }, r)));
      message.textContent = label + ': done';
    } catch (err) {
      message.classList.add('error');
      message.textContent = label + ' failed: ' + err;
    }
  }

  document.addEventListener('click', ev => {
    const b = ev.target.closest('button[data-action]');
    if (!b) { return; }
    const action = b.getAttribute('data-action');
    const dest = b.getAttribute('data-destination');
    if (action === 'down') { act('/api/simulate/down', { destination: dest }, 'Take ' + dest + ' down'); }
    else if (action === 'up') { act('/api/simulate/up', { destination: dest }, 'Bring ' + dest + ' back'); }
    else if (action === 'lag') {
      const millis = Number(document.getElementById('lag-millis').value);
      act('/api/simulate/lag', { destination: lagDestination.value, millis: millis }, 'Latency ' + millis + ' ms on ' + lagDestination.value);
    } else if (action === 'failover') {
      const to = failoverTo.value || null;
      act('/api/simulate/failover', { to: to }, to ? 'Reads from ' + to : 'Reads from every endpoint');
    }
  });

  async function loadInitial() {
    try {
      // The cards from REST at once, so that they show even before (or without) the live socket.
      const res = await fetch('/api/regions', { headers: headers(false) });
      if (res.ok) {
        const data = await res.json();
        data.regions.forEach(r => showRegion(Object.assign({ at: data.at }, r)));
      }
    } catch (err) { /* the live snapshot fills them */ }
    try {
      const res = await fetch('/api/transactions?limit=50', { headers: headers(false) });
      if (res.ok) {
        const data = await res.json();
        data.items.forEach(tx => showTransaction(tx, true));
      }
    } catch (err) { /* the live feed fills it */ }
  }

  let retry = 500;
  function connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const token = tokenInput.value.trim();
    const ws = new WebSocket(proto + '//' + location.host + '/api/live' + (token ? '?token=' + encodeURIComponent(token) : ''));
    ws.onopen = () => { connection.textContent = 'live'; connection.classList.add('live'); retry = 500; };
    ws.onmessage = ev => onBatch(JSON.parse(ev.data));
    ws.onclose = () => {
      connection.textContent = 'disconnected — retrying';
      connection.classList.remove('live');
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 5000);
    };
  }

  function frame() { chart.draw(); setTimeout(() => requestAnimationFrame(frame), 250); }

  loadInitial();
  connect();
  frame();
})();

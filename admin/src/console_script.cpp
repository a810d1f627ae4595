// The console's script: plain JavaScript for a current browser, no build step, no library. It
// builds every element with textContent (never innerHTML with data), so that saga ids, reasons
// and replies cannot inject markup. Views: #/sagas (list, filters, search by id), #/saga/ID
// (facts, definition diagram with the current step marked, timeline, actions behind a
// confirmation), #/dashboard (rates, latencies, breakers, blocked sagas), #/definitions.
#include "console_assets.h"

namespace saga::admin {

const std::string_view kConsoleScript = R"JS('use strict';
const $ = (id) => document.getElementById(id);
const view = $('view');
const state = { token: sessionStorage.getItem('saga-token') || '', timer: null, last: null, gen: 0 };

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
function svg(tag, attrs, ...children) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}
function time(ms) { return ms ? new Date(ms).toISOString().replace('T', ' ').replace('Z', '') : '-'; }
function duration(ms) {
  if (ms === undefined || ms === null) return '-';
  if (ms < 1000) return ms + 'ms';
  const s = Math.floor(ms / 1000);
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm' + (s % 60) + 's';
  if (s < 86400) return Math.floor(s / 3600) + 'h' + Math.floor((s % 3600) / 60) + 'm';
  return Math.floor(s / 86400) + 'd' + Math.floor((s % 86400) / 3600) + 'h';
}
// Steps are numbered from 1 on the page, as in the diagrams (the API counts from 0).
function stepLabel(i, name) { return i >= 0 && name ? (i + 1) + '. ' + name : '-'; }
function show(...children) { view.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined)); }
function phase(p) { return el('span', { class: 'phase phase-' + p }, p); }
function showError(text) {
  const b = $('error');
  b.textContent = text || '';
  b.hidden = !text;
}

async function api(path, options) {
  const o = options || {};
  const headers = { 'Authorization': 'Bearer ' + state.token };
  if (o.form) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const r = await fetch(path, { method: o.method || 'GET', headers,
                                body: o.form ? new URLSearchParams(o.form).toString() : undefined });
  let body = null;
  try { body = await r.json(); } catch (e) { body = { error: 'not JSON (' + r.status + ')' }; }
  if (!r.ok) {
    const why = r.status === 401 ? 'a valid token is required: paste it above' : body.error;
    throw new Error(r.status + ': ' + why);
  }
  return body;
}

// ---- the saga list ----
function listQuery(params) {
  const q = new URLSearchParams();
  for (const k of ['type', 'state', 'older_than', 'stuck', 'id', 'offset']) {
    if (params.get(k)) q.set(k, params.get(k));
  }
  q.set('limit', '50');
  return q;
}

async function showList(params) {
  const f = (name, label, input) => el('label', {}, label, input);
  const value = (k) => params.get(k) || '';
  const stateSelect = el('select', { id: 'f-state', name: 'state' },
    ['', 'executing', 'compensating', 'failed', 'completed', 'compensated', 'scheduled'].map(
      (s) => el('option', { value: s, selected: s === value('state') }, s || 'any')));
  const form = el('form', { class: 'filters', id: 'filters', onsubmit: (e) => {
      e.preventDefault();
      const q = new URLSearchParams();
      for (const [k, v] of new FormData(form)) if (v) q.set(k, v);
      location.hash = '#/sagas?' + q.toString();
    } },
    f('id', 'Saga id', el('input', { id: 'f-id', name: 'id', value: value('id'), size: 16 })),
    f('type', 'Type', el('input', { id: 'f-type', name: 'type', value: value('type'), size: 14 })),
    f('state', 'State', stateSelect),
    f('older', 'Older than', el('input', { id: 'f-older', name: 'older_than', size: 6,
                                          placeholder: '1h', value: value('older_than') })),
    f('stuck', 'Stuck for', el('input', { id: 'f-stuck', name: 'stuck', size: 6,
                                         placeholder: '10m', value: value('stuck') })),
    el('button', { type: 'submit', id: 'f-apply' }, 'Apply'));
  const data = await api('/api/sagas?' + listQuery(params).toString());
  const rows = data.sagas.map((s) => el('tr', { 'data-saga': s.id },
    el('td', {}, el('a', { href: '#/saga/' + encodeURIComponent(s.id) }, s.id)),
    el('td', {}, s.type + ' v' + s.version), el('td', {}, phase(s.phase)),
    el('td', {}, stepLabel(s.step, s.step_name)), el('td', {}, s.participant || '-'),
    el('td', {}, s.attempt), el('td', {}, duration(s.age_ms)),
    el('td', {}, s.stuck_for_ms !== undefined ? duration(s.stuck_for_ms) : '-'),
    el('td', {}, s.last_reason)));
  const table = el('table', { id: 'saga-table' },
    el('thead', {}, el('tr', {}, ['id', 'type', 'phase', 'step', 'participant', 'attempt', 'age',
                                  'on step for', 'last reason'].map((h) => el('th', {}, h)))),
    el('tbody', {}, rows));
  const offset = Number(params.get('offset') || 0);
  const page = (to) => { const q = new URLSearchParams(params); q.set('offset', to);
                         location.hash = '#/sagas?' + q.toString(); };
  const pager = el('div', { class: 'pager' },
    el('button', { id: 'prev', disabled: offset === 0, onclick: () => page(Math.max(0, offset - 50)) },
       '‹ newer'),
    el('span', { class: 'muted' }, rows.length ? (offset + 1) + '–' + (offset + rows.length) : 'none'),
    el('button', { id: 'next', disabled: !data.more, onclick: () => page(offset + 50) }, 'older ›'));
  return [el('h1', {}, 'Sagas'), form,
    rows.length ? table : el('p', { id: 'no-sagas' }, 'No saga matches.'), pager];
}

// ---- the definition diagram: steps down the left, compensations on the right ----
function diagram(steps, current) {
  const W = 250, H = 46, GAP = 22, X = 20, CX = 310;
  const height = 30 + steps.length * (H + GAP) + 40;
  const g = svg('svg', { class: 'diagram', width: 590, height, viewBox: '0 0 590 ' + height,
                         role: 'img', 'aria-label': 'saga definition' });
  const label = (x, y, a, b) => {
    g.append(svg('text', { x: x + 10, y: y + 19 }, a));
    g.append(svg('text', { x: x + 10, y: y + 36, class: 'sub' }, b));
  };
  steps.forEach((s, i) => {
    const y = 20 + i * (H + GAP);
    const classes = ['step'];
    if (s.kind === 'pivot') classes.push('pivot');
    if (current.done(i)) classes.push('done');
    if (current.step === i && !current.compensating) classes.push('current');
    if (current.step === i && current.failed) classes.push('failed');
    g.append(svg('rect', { x: X, y, width: W, height: H, rx: s.kind === 'pivot' ? 0 : 6,
                           class: classes.join(' '), 'data-step': i }));
    const does = s.participant ? s.participant + ': ' + s.command : s.local ? 'local' : '(no action)';
    label(X, y, (i + 1) + '. ' + s.name + (s.kind === 'compensatable' ? '' : ' (' + s.kind + ')'),
          does + (s.conditional ? ' (conditional)' : ''));
    if (i + 1 < steps.length) {
      g.append(svg('line', { x1: X + W / 2, y1: y + H, x2: X + W / 2, y2: y + H + GAP }));
    }
    if (s.compensation_participant) {
      const cls = ['comp'];
      if (current.step === i && current.compensating) cls.push('current');
      if (current.step === i && current.compensating && current.failed) cls.push('failed');
      g.append(svg('rect', { x: CX, y, width: W, height: H, rx: 6, class: cls.join(' '),
                             'data-compensation': i }));
      label(CX, y, 'undo ' + s.name, s.compensation_participant + ': ' + s.compensation_command);
      g.append(svg('line', { x1: X + W, y1: y + H / 2, x2: CX, y2: y + H / 2, class: 'back' }));
    }
  });
  const end = 20 + steps.length * (H + GAP);
  g.append(svg('text', { x: X + 10, y: end + 10 }, current.phase === 'completed' ? '✔ completed' : 'completed'));
  return g;
}

function eventClass(e) {
  if (e.startsWith('operator')) return 'ev-operator';
  if (e.endsWith('failed') || e.endsWith('exhausted')) return 'ev-failed';
  if (e.startsWith('compensat')) return 'ev-compensation';
  if (e.endsWith('succeeded') || e === 'completed') return 'ev-ok';
  return '';
}
)JS"
                                        R"JS(
// ---- one saga ----
async function showSaga(id, historyOffset) {
  const s = await api('/api/sagas/' + encodeURIComponent(id) + '?history_limit=1000' +
                      (historyOffset ? '&history_offset=' + historyOffset : ''));
  const defs = await api('/api/definitions');
  const def = defs.definitions.find((d) => d.name === s.definition.name &&
                                           d.version === s.definition.version);
  const compensating = s.phase === 'compensating' || s.failed_from === 'compensating';
  const current = {
    step: ['completed', 'compensated'].includes(s.phase) ? -1 : s.step, compensating,
    failed: s.phase === 'failed', phase: s.phase,
    done: (i) => s.phase === 'completed' || (!compensating && i < s.step && s.step >= 0),
  };
  const facts = el('dl', { class: 'facts', id: 'facts' },
    el('dt', {}, 'phase'), el('dd', { id: 'saga-phase' }, phase(s.phase),
                              s.failed_from ? ' (from ' + s.failed_from + ')' : ''),
    el('dt', {}, 'type'), el('dd', {}, s.type + ' v' + s.version),
    el('dt', {}, 'step'), el('dd', {}, stepLabel(s.step, s.step_name),
                             s.participant ? ' → ' + s.participant : ''),
    el('dt', {}, 'attempt'), el('dd', {}, s.attempt),
    el('dt', {}, 'waiting for'), el('dd', {}, s.wait + (s.wait === 'reply' || s.wait === 'retry' || s.wait === 'event'
                                                        ? ' (due ' + time(s.deadline_ms) + ')' : '')),
    el('dt', {}, 'on this step since'), el('dd', { id: 'stuck-since' },
      s.stuck_since_ms ? time(s.stuck_since_ms) + ' (' + duration(s.stuck_for_ms) + ')' : '-'),
    el('dt', {}, 'last reason'), el('dd', {}, s.last_reason || '-'),
    el('dt', {}, 'trace id'), el('dd', {}, s.trace_id),
    el('dt', {}, 'created'), el('dd', {}, time(s.created_at_ms)),
    el('dt', {}, 'updated'), el('dd', {}, time(s.updated_at_ms)));
  const held = s.held ? el('div', { class: 'note', id: 'held' },
    'Command held (not sent) since ' + time(s.held.since_ms) + ': ' + s.held.reason +
    (s.held.breaker ? '; breaker of ' + s.held.participant + ' is ' + s.held.breaker : '') +
    (s.held.next_probe_at_ms ? ', next probe at ' + time(s.held.next_probe_at_ms) : '')) : null;
  const actions = el('div', { class: 'actions' }, ['retry', 'compensate', 'skip', 'cancel'].map((a) =>
    el('button', { id: 'action-' + a, class: 'danger',
                   disabled: a === 'cancel' ? !['executing', 'scheduled'].includes(s.phase)
                      : !(s.phase === 'failed' || (s.phase === 'compensating' && a !== 'compensate')),
                   onclick: () => confirmAction(s, a) }, a)));
  const history = el('ol', { class: 'timeline', id: 'timeline' }, s.history.map((h) =>
    el('li', { class: eventClass(h.event), 'data-event': h.event, 'data-step': h.step },
      el('span', { class: 'when' }, time(h.time_ms)),
      el('b', {}, h.event), ' ',
      h.step >= 0 ? 'step ' + stepLabel(h.step, h.step_name) : '',
      h.attempt ? ' · attempt ' + h.attempt : '',
      h.reply || h.reason ? el('div', { class: 'detail' },
        h.reply ? 'reply ' + h.reply : '', h.reply && h.reason ? ' · ' : '', h.reason || '') : null)));
  const more = s.history_offset + s.history.length < s.history_total
    ? el('button', { onclick: async () => show(await showSaga(id, s.history_offset + s.history.length)) },
         'later entries')
    : null;
  return [el('h1', {}, 'Saga ', el('span', { id: 'saga-id' }, s.id)),
    el('div', { id: 'action-result' }), held, actions,
    el('div', { class: 'columns' },
      el('section', {}, facts, el('h2', {}, 'Definition'),
         def && def.steps ? diagram(def.steps, current)
                          : el('p', { class: 'muted' }, 'steps not recorded for this version')),
      el('section', {}, el('h2', {}, 'Timeline (' + s.history_total + ' entries)'), history, more))];
}

function confirmAction(s, action) {
  $('confirm-title').textContent = action + ' saga ' + s.id + '?';
  const what = { retry: 'sends the failed step or compensation again',
                 compensate: 'rolls the saga back from the failed forward step',
                 skip: 'counts the failed step or compensation as done and goes on',
                 cancel: 'stops the saga before its pivot and rolls back what it did' }[action];
  $('confirm-text').textContent = 'This ' + what + '. The engine applies it at its next poll.';
  $('confirm-by').value = sessionStorage.getItem('saga-by') || '';
  $('confirm-reason').value = '';
  $('confirm').hidden = false;
  $('confirm-ok').onclick = async () => {
    const by = $('confirm-by').value.trim(), reason = $('confirm-reason').value.trim();
    if (!by || !reason) { $('confirm-text').textContent = 'Your name and a reason are required.'; return; }
    sessionStorage.setItem('saga-by', by);
    $('confirm').hidden = true;
    const out = $('action-result');
    try {
      const r = await api('/api/sagas/' + encodeURIComponent(s.id) + '/' + action,
                          { method: 'POST', form: { by, reason } });
      out.replaceChildren(el('div', { class: 'note' }, 'request ' + r.request + ' ' + r.state + '…'));
      let q = r;
      for (let i = 0; i < 100 && q.state === 'pending'; ++i) {
        await new Promise((done) => setTimeout(done, 300));
        q = await api('/api/requests/' + r.request);
      }
      show(await showSaga(s.id));
      $('action-result').replaceChildren(el('div', { class: 'note', id: 'request-state',
        'data-state': q.state }, 'request ' + q.request + ': ' + action + ' ' + q.state +
        (q.result ? ' (' + q.result + ')' : '')));
    } catch (e) {
      out.replaceChildren(el('div', { class: 'banner', id: 'request-error' }, String(e.message)));
    }
  };
}
$('confirm-cancel').onclick = () => { $('confirm').hidden = true; };

// ---- dashboard ----
async function showDashboard() {
  const s = await api('/api/stats');
  const now = Date.now();
  const e = s.engine;
  const card = (label, value, id) => el('div', { class: 'card', id },
    el('div', { class: 'value' }, value), el('div', { class: 'label' }, label));
  const rate = (get) => {
    if (!e || !state.last || !state.last.engine) return '…';
    const seconds = (now - state.last.at) / 1000;
    return seconds > 0 ? ((get(e) - get(state.last.engine)) / seconds).toFixed(1) + '/s' : '…';
  };
  const sum = (key) => (x) => x.sagas.reduce((n, t) => n + t[key], 0);
  const cards = el('div', { class: 'cards' },
    card('failed now', s.failed_now, 'failed-now'),
    card('oldest unfinished', s.oldest_unfinished ? duration(s.oldest_unfinished.age_ms) : '-'),
    card('started', rate(sum('started'))), card('completed', rate(sum('completed'))),
    card('compensated', rate(sum('compensated'))), card('failed', rate(sum('failed'))),
    card('commit latency (avg)', e && e.commit_latency_us.count
      ? (e.commit_latency_us.sum / e.commit_latency_us.count / 1000).toFixed(2) + ' ms' : '-'),
    card('commit latency (max)', e ? (e.commit_latency_us.max / 1000).toFixed(2) + ' ms' : '-'),
    card('operator requests pending', s.pending_requests));
  state.last = { at: now, engine: e };
  const byPhase = {};
  for (const c of s.counts) byPhase[c.type + ' v' + c.version] = Object.assign(
    byPhase[c.type + ' v' + c.version] || {}, { [c.phase]: c.count });
  const phases = ['executing', 'compensating', 'failed', 'completed', 'compensated'];
  const counts = el('table', { id: 'counts' }, el('tr', {}, el('th', {}, 'definition'),
    phases.map((p) => el('th', {}, p))), Object.entries(byPhase).map(([d, n]) =>
    el('tr', {}, el('td', {}, d), phases.map((p) => el('td', {}, n[p] || 0)))));
  const breakers = e ? el('table', { id: 'breakers' },
    el('tr', {}, ['participant', 'breaker', 'next probe', 'in flight', 'held',
      'consecutive timeouts', 'replies', 'reply latency (avg)', 'reply latency (max)'].map(
      (h) => el('th', {}, h))),
    e.participants.map((p) => el('tr', { 'data-participant': p.name }, el('td', {}, p.name),
      el('td', {}, el('span', { class: 'phase breaker-' + p.breaker }, p.breaker)),
      el('td', {}, p.next_probe_at_ms ? time(p.next_probe_at_ms) : '-'),
      el('td', {}, p.in_flight), el('td', {}, p.held), el('td', {}, p.consecutive_timeouts),
      el('td', {}, p.reply_latency_ms.count),
      el('td', { class: 'reply-latency' }, p.reply_latency_ms.count
        ? (p.reply_latency_ms.sum / p.reply_latency_ms.count).toFixed(1) + ' ms' : '-'),
      el('td', {}, p.reply_latency_ms.count ? p.reply_latency_ms.max + ' ms' : '-'))))
    : el('p', { class: 'muted' }, 'no engine in this process');
  const blocked = el('table', { id: 'blocked' },
    el('tr', {}, ['type', 'phase', 'step', 'participant', 'sagas', 'oldest update', 'e.g.'].map(
      (h) => el('th', {}, h))),
    s.blocked.map((b) => el('tr', {}, el('td', {}, b.type), el('td', {}, phase(b.phase)),
      el('td', {}, stepLabel(b.step, b.step_name)), el('td', {}, b.participant || '-'),
      el('td', {}, b.count), el('td', {}, duration(s.now_ms - b.oldest_update_ms)),
      el('td', {}, el('a', { href: '#/saga/' + encodeURIComponent(b.example) }, b.example)))));
  return [el('h1', {}, 'Dashboard'), cards, el('h2', {}, 'Breakers'), breakers,
    el('h2', {}, 'Unfinished sagas by step and participant'), blocked,
    el('h2', {}, 'Sagas by phase'), counts];
}

async function showDefinitions() {
  const d = await api('/api/definitions');
  return [el('h1', {}, 'Definitions'), d.definitions.map((x) => el('section', {},
    el('h2', {}, x.name + ' v' + x.version + ' (' + x.running + ' running)'),
    x.steps ? diagram(x.steps, { step: -1, done: () => false })
            : el('p', { class: 'muted' }, 'steps not recorded')))];
}

// Every navigation renders once; a slower earlier one that ends later is dropped, so that the
// page always shows the last one asked for. body's data-routed and data-rendered say which
// (the browser tests wait for them to agree).
async function route() {
  clearTimeout(state.timer);
  const gen = ++state.gen;
  document.body.dataset.routed = gen;
  const done = (children) => {
    if (gen !== state.gen) return;
    if (children) show(children);
    document.body.dataset.rendered = gen;
  };
  const hash = location.hash || '#/sagas';
  const [path, query] = hash.slice(1).split('?');
  for (const a of document.querySelectorAll('header nav a')) {
    a.classList.toggle('active', hash.startsWith(a.getAttribute('href')));
  }
  if (!state.token) { showError('Paste a token above to see the sagas.'); show(); done(); return; }
  try {
    let children;
    if (path.startsWith('/saga/')) children = await showSaga(decodeURIComponent(path.slice(6)));
    else if (path === '/dashboard') children = await showDashboard();
    else if (path === '/definitions') children = await showDefinitions();
    else children = await showList(new URLSearchParams(query || ''));
    if (gen === state.gen) showError('');
    done(children);
    if (path === '/dashboard' && gen === state.gen) state.timer = setTimeout(route, 2000);
  } catch (e) {
    if (gen === state.gen) showError(String(e.message));
    done(null);
  }
}

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  state.token = $('token').value.trim();
  sessionStorage.setItem('saga-token', state.token);
  $('token').value = '';
  route();
});
window.addEventListener('hashchange', route);
route();
)JS";

}  // namespace saga::admin

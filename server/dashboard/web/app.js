// The dashboard's shell: session (key, colony, role), hash routing between the views, the top bar,
// the live feed and the fallback polling. Views own their data; this file only mounts them and
// forwards live events (docs/dashboard.md describes what each view shows).
import {Api, ApiError} from './api.js';
import {importPrivateKey} from './crypto.js';
import {h, show, shortId} from './dom.js';
import {LiveFeed} from './live.js';
import * as executors from './views/executors.js';
import * as loginView from './views/login.js';
import * as overview from './views/overview.js';
import * as process from './views/process.js';
import * as processes from './views/processes.js';
import * as submit from './views/submit.js';
import * as triggers from './views/triggers.js';
import * as workflow from './views/workflow.js';
import * as workflows from './views/workflows.js';

// The key is kept in sessionStorage (this tab only, gone when it closes) only when the user ticks
// "remember for this tab"; otherwise it lives in this page's memory as a non-extractable CryptoKey
// and a reload asks for it again. The colony name is not secret and is kept in localStorage.
const KEY_STORAGE = 'colonies.dashboard.key';
const COLONY_STORAGE = 'colonies.dashboard.colony';
const POLL_MS = 5000;

const ROUTES = {
  overview: {view: overview, title: 'Overview'},
  executors: {view: executors, title: 'Executors'},
  processes: {view: processes, title: 'Processes'},
  process: {view: process, title: 'Process', nav: 'processes'},
  workflows: {view: workflows, title: 'Workflows'},
  workflow: {view: workflow, title: 'Workflow', nav: 'workflows'},
  crons: {view: triggers, title: 'Crons', kind: 'crons'},
  generators: {view: triggers, title: 'Generators', kind: 'generators'},
  submit: {view: submit, title: 'Submit workflow'},
};
const NAV = ['overview', 'executors', 'processes', 'workflows', 'crons', 'generators', 'submit'];

const app = {
  session: null,  // {api, colony, member, serverOwner, colonies}
  feed: null,
  current: null,  // the mounted view: {node, poll?, onProcess?, onResync?, dispose?}
  liveStatus: 'down',
  liveDetail: '',
};

const root = document.getElementById('app');

function parseHash() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = hash.split('?');
  const [name, ...rest] = path.split('/');
  return {name: name || 'overview', arg: rest.map(decodeURIComponent).join('/'), query: new URLSearchParams(query)};
}

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function login(hex, colony, remember) {
  const identity = await importPrivateKey(hex);
  const api = new Api(identity);
  const session = {api, colony: colony.trim(), member: false, serverOwner: false, colonies: []};
  let refusal = null;
  try {
    session.colonies = await api.call('getcoloniesmsg');
    session.serverOwner = true;
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 403) throw error;
  }
  if (!session.colony && session.serverOwner && session.colonies.length) session.colony = session.colonies[0].name;
  if (session.colony) {
    try {
      await api.call('getcolonymsg', {colonyname: session.colony});
      session.member = true;
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 403) throw error;
      refusal = error;
    }
  }
  if (!session.member && !session.serverOwner) {
    if (!session.colony) throw new ApiError(400, 'name the colony you are a member of', 'getcolonymsg');
    throw new ApiError(403, `key ${shortId(identity.id)} is not a user or executor of colony '${session.colony}' ` +
      `(the server said: ${refusal?.message ?? 'forbidden'})`, 'getcolonymsg');
  }
  if (remember) sessionStorage.setItem(KEY_STORAGE, hex.trim().toLowerCase());
  else sessionStorage.removeItem(KEY_STORAGE);
  if (session.colony) localStorage.setItem(COLONY_STORAGE, session.colony);
  start(session);
}

function start(session) {
  app.session = session;
  app.feed?.stop();
  app.feed = null;
  if (session.member) {
    app.feed = new LiveFeed(session.api, session.colony, {
      onProcess: (p) => app.current?.onProcess?.(p),
      onStatus: (status, detail) => { app.liveStatus = status; app.liveDetail = detail; renderLiveStatus(); },
      onResync: () => app.current?.onResync?.(),
    });
    app.feed.start();
  } else {
    app.liveStatus = 'down';
    app.liveDetail = 'live updates need a user or executor of the colony';
  }
  if (!location.hash || location.hash.startsWith('#/login')) location.hash = '#/overview';
  else route();
}

function logout() {
  sessionStorage.removeItem(KEY_STORAGE);
  app.feed?.stop();
  app.feed = null;
  app.session = null;  // drops the only reference to the CryptoKey
  location.hash = '#/login';
  route();
}

function switchColony(name) {
  if (!app.session || name === app.session.colony) return;
  const {api, serverOwner, colonies} = app.session;
  const session = {api, colony: name, member: false, serverOwner, colonies};
  api.call('getcolonymsg', {colonyname: name}).then(() => { session.member = true; }, () => {})
    .finally(() => { localStorage.setItem(COLONY_STORAGE, name); start(session); });
}

let liveIndicator = null;

function renderLiveStatus() {
  if (!liveIndicator) return;
  const labels = {live: 'live', connecting: 'connecting…', down: 'polling'};
  liveIndicator.className = `live live-${app.liveStatus}`;
  liveIndicator.setAttribute('data-live', app.liveStatus);
  liveIndicator.textContent = labels[app.liveStatus] ?? app.liveStatus;
  liveIndicator.title = app.liveStatus === 'live'
    ? 'Changes arrive over the WebSocket as they are committed'
    : `Live updates are off (${app.liveDetail || 'not connected'}); the page refreshes every ${POLL_MS / 1000} s`;
}

function topBar(active) {
  const {session} = app;
  liveIndicator = h('span', {class: 'live', id: 'live-status'});
  renderLiveStatus();
  const colonyControl = session.serverOwner && session.colonies.length
    ? h('select', {id: 'colony-select', 'aria-label': 'colony', onchange: (e) => switchColony(e.target.value)},
      session.colonies.map((c) => h('option', {value: c.name, selected: c.name === session.colony}, c.name)))
    : h('span', {class: 'colony-name', id: 'colony-name'}, session.colony);
  return h('header', {class: 'topbar'},
    h('a', {class: 'brand', href: '#/overview'}, h('img', {src: '/favicon.svg', alt: '', width: 22, height: 22}), 'Colonies'),
    h('nav', {}, NAV.map((name) => h('a', {
      href: `#/${name}`, class: name === active ? 'active' : null, 'data-nav': name,
    }, ROUTES[name].title))),
    h('div', {class: 'who'},
      h('span', {class: 'label'}, 'colony'), colonyControl,
      h('span', {class: 'identity', title: `signing as ${session.api.id}${session.serverOwner ? ' (server owner)' : ''}`},
        shortId(session.api.id), session.serverOwner ? ' · owner' : ''),
      liveIndicator,
      h('button', {type: 'button', class: 'secondary', id: 'logout', onclick: logout}, 'Log out')));
}

function route() {
  app.current?.dispose?.();
  app.current = null;
  const target = parseHash();
  if (app.session && target.name === 'login') {
    logout();  // renders the login view
    return;
  }
  if (!app.session) {
    liveIndicator = null;
    document.title = 'Colonies — log in';
    const view = loginView.render({
      onLogin: login,
      colony: localStorage.getItem(COLONY_STORAGE) ?? '',
    });
    show(root, view.node);
    app.current = view;
    return;
  }
  const entry = ROUTES[target.name];
  if (!entry) {
    location.hash = '#/overview';
    return;
  }
  document.title = `Colonies — ${entry.title} — ${app.session.colony}`;
  const main = h('main', {id: 'view', 'data-view': target.name});
  show(root, topBar(entry.nav ?? target.name), main);
  const context = {
    api: app.session.api, colony: app.session.colony, member: app.session.member,
    serverOwner: app.session.serverOwner, colonies: app.session.colonies, navigate,
    switchColony, kind: entry.kind, live: () => app.liveStatus === 'live',
  };
  const view = entry.view.render(context, target.arg, target.query);
  main.appendChild(view.node);
  app.current = view;
}


// Polling: every view may refresh itself; views whose data arrives by live events only poll while
// the feed is down. Nothing is polled while the tab is hidden.
setInterval(() => {
  if (document.hidden || !app.current?.poll) return;
  app.current.poll(app.liveStatus === 'live');
}, POLL_MS);

window.addEventListener('hashchange', route);

async function boot() {
  const remembered = sessionStorage.getItem(KEY_STORAGE);
  const colony = localStorage.getItem(COLONY_STORAGE) ?? '';
  if (remembered) {
    try {
      await login(remembered, colony, true);
      return;
    } catch (error) {
      sessionStorage.removeItem(KEY_STORAGE);
      console.warn('the remembered key no longer logs in:', error.message);
    }
  }
  route();
}

boot();

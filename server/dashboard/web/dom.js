// DOM building and formatting helpers for the dashboard. Everything shown is built as elements and
// text nodes, never parsed from HTML strings: process arguments, logs and names come from other
// users, and the page's Content-Security-Policy (Trusted Types) refuses HTML sinks anyway.

// h('a', {href: '#/x', class: 'link'}, 'text', child, [more, children]). Attributes whose value is
// null, undefined or false are left out; `on*` functions become event listeners.
export function h(tag, attrs = {}, ...children) {
  const svg = SVG_TAGS.has(tag);
  const el = svg ? document.createElementNS('http://www.w3.org/2000/svg', tag) : document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'value' && !svg) {
      el.value = value;
    } else if (name === 'checked' && !svg) {
      el.checked = Boolean(value);
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

const SVG_TAGS = new Set(['svg', 'g', 'rect', 'path', 'text', 'title', 'defs', 'marker', 'circle', 'tspan']);

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

// Replaces an element's children (replaceChildren needs no HTML parsing, so Trusted Types allow it).
export function show(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const PROCESS_STATES = ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELLED'];
export const EXECUTOR_STATES = ['PENDING', 'APPROVED', 'REJECTED', 'UNREGISTERED'];

export function stateName(state) {
  return PROCESS_STATES[state] ?? `state ${state}`;
}

export function stateBadge(state) {
  return h('span', {class: `badge state-${state}`, 'data-state': state}, stateName(state));
}

export function executorBadge(state) {
  return h('span', {class: `badge executor-state-${state}`}, EXECUTOR_STATES[state] ?? `state ${state}`);
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

export function isSet(time) {
  return Boolean(time) && time !== ZERO_TIME;
}

// RFC 3339 from the server -> local date and time, "–" when unset.
export function formatTime(time) {
  if (!isSet(time)) return '–';
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return time;
  return date.toLocaleString(undefined, {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  });
}

// "3 s ago", "5 min ago"; for the executors' last contact.
export function formatAgo(time) {
  if (!isSet(time)) return 'never';
  const seconds = Math.round((Date.now() - new Date(time).getTime()) / 1000);
  if (seconds < 0) return 'just now';
  if (seconds < 90) return `${seconds} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

// Seconds between two RFC 3339 times (the second defaults to now), as "1.2 s", "3 min 4 s".
export function formatDuration(from, to) {
  if (!isSet(from)) return '–';
  const end = isSet(to) ? new Date(to).getTime() : Date.now();
  const seconds = (end - new Date(from).getTime()) / 1000;
  if (!(seconds >= 0)) return '–';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

// Log timestamps are Unix nanoseconds (numbers that may exceed 2^53: precision to the µs is enough).
export function formatLogTime(ns) {
  const date = new Date(Number(ns) / 1e6);
  return Number.isNaN(date.getTime()) ? String(ns) : date.toLocaleTimeString(undefined, {hour12: false});
}

export function shortId(id) {
  return id ? `${id.slice(0, 8)}…` : '–';
}

// A definition list from [label, value] pairs; values may be nodes.
export function facts(pairs) {
  return h('dl', {class: 'facts'}, pairs.filter(Boolean).map(([label, value]) => [h('dt', {}, label), h('dd', {}, value)]));
}

export function json(value) {
  return h('pre', {class: 'json'}, JSON.stringify(value, null, 2));
}

// Runs `work(item)` for every item with at most `limit` at a time; results in input order.
export async function mapLimit(items, limit, work) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({length: Math.min(limit, items.length)}, worker));
  return results;
}

// Runs fn `wait` ms after the first call of a burst, once, with the last call's arguments: a burst
// of live events costs one refresh, and a steady stream of them still refreshes every `wait` ms.
export function debounce(fn, wait) {
  let timer = null;
  let latest = [];
  const debounced = (...args) => {
    latest = args;
    if (timer !== null) return;
    timer = setTimeout(() => { timer = null; fn(...latest); }, wait);
  };
  debounced.cancel = () => { clearTimeout(timer); timer = null; };
  return debounced;
}

// An error shown where the failed data would be: status, the server's message, and what to do.
export function errorPanel(error, what = '') {
  const status = error?.status;
  return h('div', {class: 'error', role: 'alert', 'data-status': status ?? ''},
    h('strong', {}, status ? `${status} ${STATUS_TEXT[status] ?? ''}` : status === 0 ? 'Server unreachable' : 'Error'),
    what ? ` while ${what}: ` : ': ',
    error?.message ?? String(error),
    error?.hint ? h('div', {class: 'hint'}, error.hint) : null);
}

const STATUS_TEXT = {
  400: 'Bad request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not found', 408: 'Timeout', 409: 'Conflict',
  413: 'Too large', 429: 'Too many requests', 500: 'Internal error', 503: 'Unavailable',
};

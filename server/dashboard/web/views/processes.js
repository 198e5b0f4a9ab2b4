// Processes: the colony's processes, newest first, filtered by state (on the server) and by
// executor type, label and initiator (on the page), in pages read with getprocesshistmsg's cursor
// ("before": the last process of the previous page). The filters live in the URL
// (#/processes?state=2&type=local) so a filtered list can be bookmarked. The first page follows
// live events; older pages stay as read.
import {debounce, errorPanel, formatDuration, formatTime, h, PROCESS_STATES, shortId, show, stateBadge} from '../dom.js';

// getprocesshistmsg needs a window: thirty years is "all of them".
const ALL_SECONDS = 30 * 365 * 86400;
const SIZES = [25, 50, 100];
// With page-side filters a page may need several reads; at most this many per page.
const MAX_READS = 10;

export function processRow(p) {
  return h('tr', {'data-processid': p.processid, 'data-state': p.state},
    h('td', {}, h('a', {href: `#/process/${p.processid}`, class: 'mono', title: p.processid}, shortId(p.processid))),
    h('td', {}, p.spec?.funcname ?? ''),
    h('td', {}, p.spec?.nodename || p.spec?.label || ''),
    h('td', {}, stateBadge(p.state)),
    h('td', {}, p.spec?.conditions?.executortype || (p.spec?.conditions?.executornames ?? []).join(', ')),
    h('td', {}, p.initiatorname),
    h('td', {}, formatTime(p.submissiontime)),
    h('td', {}, formatDuration(p.starttime, p.endtime)),
    h('td', {}, p.processgraphid
      ? h('a', {href: `#/workflow/${p.processgraphid}`, class: 'mono', title: p.processgraphid}, shortId(p.processgraphid))
      : ''));
}

export function processTable(list) {
  return h('table', {class: 'list processes'},
    h('thead', {}, h('tr', {}, ['Process', 'Function', 'Node / label', 'State', 'Executor type', 'Initiator',
      'Submitted', 'Run time', 'Workflow'].map((t) => h('th', {}, t)))),
    h('tbody', {}, list.map(processRow)));
}

export function render(ctx, _arg, query) {
  const filters = {
    state: query.has('state') ? Number(query.get('state')) : -1,
    type: query.get('type') ?? '',
    label: query.get('label') ?? '',
    initiator: query.get('initiator') ?? '',
    // The menu offers SIZES; a link may ask for any page size the server allows (1-100).
    size: Number.isInteger(Number(query.get('size'))) && Number(query.get('size')) >= 1 &&
      Number(query.get('size')) <= 100 ? Number(query.get('size')) : 25,
  };
  const stateSelect = h('select', {id: 'filter-state', name: 'state'},
    h('option', {value: -1}, 'any state'),
    PROCESS_STATES.map((name, i) => h('option', {value: i, selected: filters.state === i}, name)));
  const typeInput = h('input', {id: 'filter-type', name: 'type', value: filters.type, placeholder: 'any', list: 'types'});
  const typeList = h('datalist', {id: 'types'});
  const labelInput = h('input', {id: 'filter-label', name: 'label', value: filters.label, placeholder: 'any'});
  const initiatorInput = h('input', {id: 'filter-initiator', name: 'initiator', value: filters.initiator, placeholder: 'any'});
  const sizes = SIZES.includes(filters.size) ? SIZES : [...SIZES, filters.size].sort((a, b) => a - b);
  const sizeSelect = h('select', {id: 'filter-size', name: 'size'},
    sizes.map((n) => h('option', {value: n, selected: n === filters.size}, `${n} per page`)));
  const form = h('form', {
    class: 'filters',
    onsubmit: (event) => {
      event.preventDefault();
      const params = new URLSearchParams();
      if (Number(stateSelect.value) >= 0) params.set('state', stateSelect.value);
      for (const [key, input] of [['type', typeInput], ['label', labelInput], ['initiator', initiatorInput]]) {
        if (input.value.trim()) params.set(key, input.value.trim());
      }
      if (Number(sizeSelect.value) !== 25) params.set('size', sizeSelect.value);
      ctx.navigate(`#/processes${params.size ? `?${params}` : ''}`);
    },
  },
  h('label', {}, 'State ', stateSelect), h('label', {}, 'Executor type ', typeInput, typeList),
  h('label', {}, 'Label ', labelInput), h('label', {}, 'Initiator ', initiatorInput), sizeSelect,
  h('button', {type: 'submit', id: 'apply-filters'}, 'Apply'));

  const body = h('div', {id: 'process-list'});
  const pager = h('div', {class: 'pager'});
  const node = h('section', {}, h('h1', {}, 'Processes'), form, body, pager);

  // cursors[i] is the "before" of page i (page 0: none).
  const cursors = [''];
  let pageIndex = 0;
  let rows = new Map();

  const matches = (p) => (!filters.type || p.spec?.conditions?.executortype === filters.type) &&
    (!filters.label || p.spec?.label === filters.label) &&
    (!filters.initiator || p.initiatorname === filters.initiator);
  const pageFiltered = Boolean(filters.type || filters.label || filters.initiator);

  async function readPage(before) {
    const items = [];
    let cursor = before;
    let scanned = 0;
    let exhausted = false;
    const batch = pageFiltered ? Math.max(200, filters.size) : filters.size;
    for (let read = 0; read < (pageFiltered ? MAX_READS : 1) && items.length < filters.size; read++) {
      const list = await ctx.api.call('getprocesshistmsg', {
        colonyname: ctx.colony, executorid: '', seconds: ALL_SECONDS, state: filters.state, count: batch, before: cursor,
      });
      let consumed = 0;
      for (const p of list) {
        consumed++;
        cursor = p.processid;
        if (matches(p)) items.push(p);
        if (items.length === filters.size) break;
      }
      scanned += consumed;
      if (list.length < batch && consumed === list.length) {
        exhausted = true;
        break;
      }
    }
    return {items, next: exhausted ? null : cursor, scanned};
  }

  async function load() {
    try {
      const {items, next, scanned} = await readPage(cursors[pageIndex]);
      cursors.length = pageIndex + 1;
      if (next) cursors.push(next);
      rows = new Map();
      if (!items.length) {
        show(body, h('p', {class: 'muted', id: 'no-processes'}, pageIndex === 0 ? 'No processes match.' : 'No older processes match.'));
      } else {
        const table = processTable(items);
        for (const tr of table.querySelectorAll('tbody tr')) rows.set(tr.dataset.processid, tr);
        show(body, table);
      }
      show(pager,
        h('button', {type: 'button', class: 'secondary', id: 'newer', disabled: pageIndex === 0,
          onclick: () => { pageIndex--; load(); }}, '← Newer'),
        h('span', {class: 'muted'}, `page ${pageIndex + 1}`,
          pageFiltered && items.length < filters.size && next ? ` (${scanned} processes scanned; older ones may match)` : ''),
        h('button', {type: 'button', class: 'secondary', id: 'older', disabled: !next,
          onclick: () => { pageIndex++; load(); }}, 'Older →'));
    } catch (error) {
      show(body, errorPanel(error, 'listing the processes'));
    }
  }

  ctx.api.call('getexecutorsmsg', {colonyname: ctx.colony}).then((executors) => {
    show(typeList, [...new Set(executors.map((e) => e.executortype))].map((t) => h('option', {value: t})));
  }, () => {});

  const later = debounce(load, 500);
  load();
  return {
    node,
    poll: (live) => { if (!live && pageIndex === 0) load(); },
    onResync: () => { if (pageIndex === 0) later(); },
    onProcess: (p) => {
      const row = rows.get(p.processid);
      if (row) {
        const fresh = processRow(p);
        row.replaceWith(fresh);
        rows.set(p.processid, fresh);
        if (pageIndex === 0 && filters.state >= 0 && p.state !== filters.state) later();
      } else if (pageIndex === 0 && matches(p) && (filters.state < 0 || p.state === filters.state)) {
        later();
      }
    },
    dispose: () => later.cancel(),
  };
}

// Workflows: the colony's process graphs, newest first (at most 100, the server's page), with
// their state and per-node progress; filtered by state.
import {debounce, errorPanel, formatDuration, formatTime, h, PROCESS_STATES, shortId, show, stateBadge} from '../dom.js';

// A bar of the graph's nodes by state ({total, waiting, running, successful, failed, cancelled}).
export function progressBar(progress) {
  const p = progress ?? {};
  const total = p.total || 0;
  const parts = [['successful', 2], ['failed', 3], ['cancelled', 4], ['running', 1], ['waiting', 0]];
  const label = `${p.successful ?? 0} of ${total} done` +
    (p.running ? `, ${p.running} running` : '') + (p.failed ? `, ${p.failed} failed` : '') +
    (p.cancelled ? `, ${p.cancelled} cancelled` : '');
  const bar = h('span', {class: 'progress', title: label, role: 'img', 'aria-label': label});
  for (const [key, state] of parts) {
    const count = p[key] ?? 0;
    if (!count || !total) continue;
    const segment = h('span', {class: `segment state-${state}`});
    segment.style.width = `${(100 * count) / total}%`;  // CSSOM, allowed by the page's CSP
    bar.appendChild(segment);
  }
  return h('span', {class: 'progress-cell'}, bar, h('small', {}, ` ${p.successful ?? 0}/${total}`));
}

export function render(ctx, _arg, query) {
  const state = query.has('state') ? Number(query.get('state')) : -1;
  const select = h('select', {id: 'workflow-state', onchange: (e) => ctx.navigate(
    Number(e.target.value) >= 0 ? `#/workflows?state=${e.target.value}` : '#/workflows')},
  h('option', {value: -1}, 'any state'),
  PROCESS_STATES.map((name, i) => h('option', {value: i, selected: state === i}, name)));
  const body = h('div', {id: 'workflow-list'});
  const node = h('section', {},
    h('div', {class: 'title-row'}, h('h1', {}, 'Workflows'), h('label', {}, 'State ', select),
      h('a', {class: 'button', href: '#/submit'}, 'Submit a workflow')),
    body);

  async function load() {
    try {
      const graphs = await ctx.api.call('getprocessgraphsmsg', {colonyname: ctx.colony, count: 100, state});
      if (!graphs.length) {
        show(body, h('p', {class: 'muted'}, 'No workflows match.'));
        return;
      }
      show(body, h('table', {class: 'list'},
        h('thead', {}, h('tr', {}, ['Workflow', 'State', 'Progress', 'Nodes', 'Submitted', 'Run time', 'By']
          .map((t) => h('th', {}, t)))),
        h('tbody', {}, graphs.map((g) => h('tr', {'data-processgraphid': g.processgraphid, 'data-state': g.state},
          h('td', {}, h('a', {href: `#/workflow/${g.processgraphid}`, class: 'mono', title: g.processgraphid},
            shortId(g.processgraphid))),
          h('td', {}, stateBadge(g.state)), h('td', {}, progressBar(g.progress)),
          h('td', {}, g.processids?.length ?? 0), h('td', {}, formatTime(g.submissiontime)),
          h('td', {}, formatDuration(g.starttime, g.endtime)), h('td', {}, g.initiatorname))))));
    } catch (error) {
      show(body, errorPanel(error, 'listing the workflows'));
    }
  }

  const later = debounce(load, 700);
  load();
  return {
    node,
    poll: (live) => { if (!live) load(); },
    onResync: () => later(),
    onProcess: (p) => { if (p.processgraphid) later(); },
    dispose: () => later.cancel(),
  };
}

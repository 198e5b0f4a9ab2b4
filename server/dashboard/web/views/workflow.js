// One workflow: its state and progress, the DAG of its nodes coloured by state — recoloured in
// place as live events arrive — and a table of the nodes. Clicking a node opens the process with
// its logs. A workflow that has not ended can be cancelled from here.
import {renderDag, setNodeState} from '../dag.js';
import {
  debounce, errorPanel, facts, formatDuration, formatTime, h, mapLimit, PROCESS_STATES, shortId, show, stateBadge,
} from '../dom.js';
import {progressBar} from './workflows.js';

// Above this many nodes the graph is listed, not drawn (one read per node to draw it).
const MAX_DRAWN_NODES = 300;

export function render(ctx, graphid) {
  const header = h('div', {id: 'workflow-header'});
  const drawing = h('div', {class: 'dag-box', id: 'dag'});
  const table = h('div', {id: 'workflow-nodes'});
  const legend = h('div', {class: 'legend'}, PROCESS_STATES.map((name, i) => h('span', {class: `badge state-${i}`}, name)));
  const node = h('section', {},
    h('h1', {}, 'Workflow ', h('span', {class: 'mono', title: graphid}, shortId(graphid))),
    header, legend, drawing, h('h2', {}, 'Nodes'), table);

  let graph = null;
  const processes = new Map();
  let svg = null;
  // While a load is reading the graph, live events may be older or newer than what it reads, so
  // they are not applied then: their processes are read again once the drawing is on screen.
  let loading = false;
  const missed = new Set();

  function drawHeader() {
    const active = graph.state === 0 || graph.state === 1;
    show(header,
      h('div', {class: 'title-row'}, h('span', {id: 'graph-state', 'data-state': graph.state}, stateBadge(graph.state)),
        progressBar(graph.progress),
        active ? h('button', {type: 'button', class: 'danger', id: 'cancel-workflow', onclick: cancel}, 'Cancel workflow') : null),
      facts([
        ['Workflow ID', h('span', {class: 'mono'}, graph.processgraphid)],
        ['Submitted by', graph.initiatorname],
        ['Submitted', formatTime(graph.submissiontime)],
        ['Started', formatTime(graph.starttime)],
        ['Ended', formatTime(graph.endtime)],
        ['Run time', formatDuration(graph.starttime, graph.endtime)],
      ]));
  }

  function nodeRow(p) {
    return h('tr', {'data-processid': p.processid, 'data-state': p.state},
      h('td', {}, h('a', {href: `#/process/${p.processid}`}, p.spec?.nodename || shortId(p.processid))),
      h('td', {}, p.spec?.funcname ?? ''), h('td', {}, stateBadge(p.state)),
      h('td', {}, (p.spec?.conditions?.dependencies ?? []).join(', ') || '–'),
      h('td', {}, formatDuration(p.starttime, p.endtime)));
  }

  function drawTable() {
    const ordered = (graph.processids ?? []).map((id) => processes.get(id)).filter(Boolean);
    show(table, h('table', {class: 'list'},
      h('thead', {}, h('tr', {}, ['Node', 'Function', 'State', 'Depends on', 'Run time'].map((t) => h('th', {}, t)))),
      h('tbody', {}, ordered.map(nodeRow))));
  }

  async function cancel() {
    if (!window.confirm(`Cancel every waiting and running node of workflow ${shortId(graphid)}?`)) return;
    try {
      graph = await ctx.api.call('cancelprocessgraphmsg', {processgraphid: graphid});
      drawHeader();
      later();
    } catch (error) {
      header.appendChild(errorPanel(error, 'cancelling the workflow'));
    }
  }

  async function loadGraph() {
    graph = await ctx.api.call('getprocessgraphmsg', {processgraphid: graphid});
    drawHeader();
  }

  // Applies an event (or a fresh read) to the drawing in place; false when the node is not drawn.
  function recolour(p) {
    processes.set(p.processid, p);
    if (!svg || !setNodeState(svg, p)) return false;
    const row = table.querySelector(`tr[data-processid="${CSS.escape(p.processid)}"]`);
    if (row) row.replaceWith(nodeRow(p));
    return true;
  }

  async function load() {
    loading = true;
    missed.clear();
    try {
      await loadGraph();
      const ids = graph.processids ?? [];
      if (ids.length > MAX_DRAWN_NODES) {
        show(drawing, h('p', {class: 'muted'}, `${ids.length} nodes: too many to draw here; see Processes.`));
        show(table);
        return;
      }
      const list = await mapLimit(ids, 8, (processid) => ctx.api.call('getprocessmsg', {processid}));
      processes.clear();
      for (const p of list) processes.set(p.processid, p);
      svg = renderDag(list, (processid) => ctx.navigate(`#/process/${processid}`));
      show(drawing, svg);
      drawTable();
      loading = false;
      await catchUp();
    } catch (error) {
      show(header, errorPanel(error, `reading workflow ${shortId(graphid)}`));
    } finally {
      loading = false;
    }
  }

  // Reads the processes whose events arrived during the load, and recolours them.
  async function catchUp() {
    if (missed.size === 0) return;
    const ids = [...missed];
    missed.clear();
    const fresh = await mapLimit(ids, 8, (processid) => ctx.api.call('getprocessmsg', {processid}));
    if (fresh.some((p) => !recolour(p))) later();  // a node added meanwhile: draw again
    headerLater();
  }

  const later = debounce(load, 500);
  const headerLater = debounce(() => loadGraph().catch(() => {}), 300);
  load();
  return {
    node,
    poll: (live) => { if (!live) load(); },
    onResync: () => later(),
    onProcess: (p) => {
      if (p.processgraphid !== graphid) return;
      if (loading || !svg) {
        missed.add(p.processid);
        return;
      }
      if (!recolour(p)) {
        later();  // a node added by addchildmsg: draw again
        return;
      }
      headerLater();
    },
    dispose: () => { later.cancel(); headerLater.cancel(); },
  };
}

// Workflow DAG drawing: a layered left-to-right layout of a process graph (layer = longest path
// from a root, order within a layer by the mean position of the neighbours, a few sweeps) drawn
// as SVG. Nodes carry their state as a class and a data attribute so live events recolour them
// in place. Not a general graph layout: workflows are DAGs of tens to hundreds of nodes.
import {h, stateName} from './dom.js';

const NODE_W = 172;
const NODE_H = 46;
const GAP_X = 72;
const GAP_Y = 22;
const MARGIN = 16;

// nodes: [{id, parents: [id]}] (parents outside `nodes` are ignored). Returns
// {positions: Map(id -> {x, y}), width, height}.
export function layout(nodes) {
  const ids = new Set(nodes.map((n) => n.id));
  const parents = new Map(nodes.map((n) => [n.id, (n.parents || []).filter((p) => ids.has(p))]));
  const children = new Map(nodes.map((n) => [n.id, []]));
  for (const [id, ps] of parents) for (const p of ps) children.get(p).push(id);

  // Longest-path layering in topological order (Kahn); nodes left on a cycle (which the server
  // refuses, but a drawing must not hang on) go to the last layer.
  const layer = new Map();
  const indegree = new Map(nodes.map((n) => [n.id, parents.get(n.id).length]));
  const queue = nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  for (const id of queue) layer.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const c of children.get(id)) {
      layer.set(c, Math.max(layer.get(c) ?? 0, layer.get(id) + 1));
      indegree.set(c, indegree.get(c) - 1);
      if (indegree.get(c) === 0) queue.push(c);
    }
  }
  let deepest = Math.max(0, ...layer.values());
  for (const n of nodes) if (!layer.has(n.id)) layer.set(n.id, deepest + 1);
  deepest = Math.max(0, ...layer.values());

  const layers = Array.from({length: deepest + 1}, () => []);
  for (const n of nodes) layers[layer.get(n.id)].push(n.id);
  const order = new Map();
  const renumber = (ids) => ids.forEach((id, i) => order.set(id, i));
  layers.forEach(renumber);
  const mean = (list, fallback) => (list.length ? list.reduce((s, id) => s + order.get(id), 0) / list.length : fallback);
  for (let sweep = 0; sweep < 4; sweep++) {
    const down = sweep % 2 === 0;
    const sequence = down ? layers.slice(1) : layers.slice(0, -1).reverse();
    for (const ids of sequence) {
      const key = new Map(ids.map((id) => [id, mean(down ? parents.get(id) : children.get(id), order.get(id))]));
      ids.sort((a, b) => key.get(a) - key.get(b) || order.get(a) - order.get(b));
      renumber(ids);
    }
  }

  const tallest = Math.max(1, ...layers.map((ids) => ids.length));
  const height = MARGIN * 2 + tallest * NODE_H + (tallest - 1) * GAP_Y;
  const width = MARGIN * 2 + layers.length * NODE_W + (layers.length - 1) * GAP_X;
  const positions = new Map();
  layers.forEach((ids, l) => {
    const column = ids.length * NODE_H + (ids.length - 1) * GAP_Y;
    const top = (height - column) / 2;
    ids.forEach((id, i) => positions.set(id, {x: MARGIN + l * (NODE_W + GAP_X), y: top + i * (NODE_H + GAP_Y)}));
  });
  return {positions, width, height};
}

function clip(text, max) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// processes: the graph's Process objects. onOpen(processid) when a node is activated.
// Returns the <svg>; update colours later with setNodeState.
export function renderDag(processes, onOpen) {
  const nodes = processes.map((p) => ({id: p.processid, parents: p.parents || []}));
  const {positions, width, height: layoutHeight} = layout(nodes);
  // An edge to the next layer is one curve. An edge that skips layers would run straight through
  // the nodes between; it rises into the gaps, runs above the nodes of the layers it skips, and
  // comes down into its target.
  const routes = [];
  for (const p of processes) {
    const to = positions.get(p.processid);
    for (const parent of p.parents || []) {
      const from = positions.get(parent);
      if (!from || !to) continue;
      const x1 = from.x + NODE_W;
      const y1 = from.y + NODE_H / 2;
      const x2 = to.x - 6;
      const y2 = to.y + NODE_H / 2;
      let lane = null;
      if (to.x - from.x > NODE_W + GAP_X) {
        const skipped = [...positions.values()].filter((q) => q.x > from.x && q.x < to.x);
        lane = Math.min(y1, y2, ...skipped.map((q) => q.y - GAP_Y / 2));
      }
      routes.push({from: parent, to: p.processid, x1, y1, x2, y2, lane});
    }
  }
  // Lanes above the top row need room: shift the drawing down by what they take.
  const shift = Math.max(0, MARGIN / 2 - Math.min(Infinity, ...routes.filter((r) => r.lane !== null).map((r) => r.lane)));
  const height = layoutHeight + shift;
  const edges = routes.map(({from, to, x1, y1, x2, y2, lane}) => {
    let d;
    if (lane === null) {
      const bend = Math.max(24, (x2 - x1) / 2);
      d = `M ${x1} ${y1} C ${x1 + bend} ${y1}, ${x2 - bend} ${y2}, ${x2} ${y2}`;
    } else {
      const up = x1 + GAP_X / 2;
      const down = x2 - GAP_X / 2 + 6;
      d = `M ${x1} ${y1} C ${up} ${y1}, ${up - 12} ${lane}, ${up + 12} ${lane} L ${down - 12} ${lane} ` +
        `C ${down + 12} ${lane}, ${down} ${y2}, ${x2} ${y2}`;
    }
    return h('path', {class: 'edge', 'marker-end': 'url(#arrow)', 'data-from': from, 'data-to': to, d});
  });
  const boxes = processes.map((p) => {
    const {x, y} = positions.get(p.processid);
    const name = p.spec?.nodename || p.spec?.funcname || p.processid.slice(0, 8);
    const open = () => onOpen(p.processid);
    return h('g', {
      class: `node state-${p.state}`, transform: `translate(${x} ${y})`, tabindex: 0, role: 'link',
      'data-processid': p.processid, 'data-nodename': p.spec?.nodename ?? '', 'data-state': p.state,
      'aria-label': `${name}: ${stateName(p.state)}`,
      onclick: open,
      onkeydown: (event) => { if (event.key === 'Enter' || event.key === ' ') { event.preventDefault(); open(); } },
    },
    h('title', {}, `${name} (${p.spec?.funcname ?? ''}) — ${stateName(p.state)}`),
    h('rect', {width: NODE_W, height: NODE_H, rx: 8, ry: 8}),
    h('text', {x: 12, y: 19, class: 'node-name'}, clip(name, 22)),
    h('text', {x: 12, y: 36, class: 'node-state'}, stateName(p.state)));
  });
  return h('svg', {
    class: 'dag', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
    'aria-label': `workflow graph of ${processes.length} nodes`,
  },
  h('defs', {}, h('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
    orient: 'auto-start-reverse'}, h('path', {d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead'}))),
  h('g', {transform: `translate(0 ${shift})`}, h('g', {class: 'edges'}, edges), h('g', {class: 'nodes'}, boxes)));
}

// Recolours one node after a live event; false when the node is not in this drawing (a child
// added by addchildmsg: the caller redraws).
export function setNodeState(svg, process) {
  const node = svg.querySelector(`g.node[data-processid="${CSS.escape(process.processid)}"]`);
  if (!node) return false;
  node.setAttribute('class', `node state-${process.state}`);
  node.setAttribute('data-state', process.state);
  const name = node.getAttribute('data-nodename') || process.spec?.funcname || '';
  node.setAttribute('aria-label', `${name}: ${stateName(process.state)}`);
  node.querySelector('.node-state').textContent = stateName(process.state);
  node.querySelector('title').textContent = `${name} (${process.spec?.funcname ?? ''}) — ${stateName(process.state)}`;
  return true;
}

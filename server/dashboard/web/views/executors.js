// Executors: every executor of the colony with its state, location, last contact and the capacity
// it advertises (capabilities.hardware: nodes, CPUs, cores, memory, GPUs, walltime) and software.
// Unregistered executors are hidden unless asked for. Refreshed every poll: the last contact
// changes without any process event.
import {errorPanel, executorBadge, formatAgo, formatTime, h, show} from '../dom.js';

function hardwareSummary(hw) {
  const parts = [];
  if (hw.nodes) parts.push(`${hw.nodes} node${hw.nodes === 1 ? '' : 's'}`);
  if (hw.cpu) parts.push(`${hw.cpu} CPU`);
  if (hw.cores) parts.push(`${hw.cores} cores`);
  if (hw.mem) parts.push(`${hw.mem} memory`);
  if (hw.storage) parts.push(`${hw.storage} storage`);
  const gpu = hw.gpu || {};
  if (gpu.count) parts.push(`${gpu.count}× GPU${gpu.name ? ` ${gpu.name}` : ''}${gpu.mem ? ` (${gpu.mem})` : ''}`);
  else if (gpu.name || gpu.count === 0) parts.push('no GPU');
  parts.push(hw.walltime ? `walltime ≤ ${hw.walltime} s` : 'no walltime limit');
  return parts.join(' · ');
}

function capacity(executor) {
  const hardware = executor.capabilities?.hardware ?? [];
  if (!hardware.length) return h('span', {class: 'muted'}, 'not declared');
  return h('ul', {class: 'plain'}, hardware.map((hw) => h('li', {title: [hw.model, hw.platform, hw.architecture]
    .filter(Boolean).join(' · ')}, hardwareSummary(hw))));
}

function software(executor) {
  const list = executor.capabilities?.software ?? [];
  if (!list.length) return h('span', {class: 'muted'}, '–');
  return list.map((s) => `${s.name}${s.version ? ` ${s.version}` : ''}`).join(', ');
}

export function render(ctx) {
  const showAll = h('input', {type: 'checkbox', id: 'show-unregistered', onchange: () => refresh()});
  const body = h('div', {id: 'executors'});
  const node = h('section', {},
    h('div', {class: 'title-row'}, h('h1', {}, 'Executors'),
      h('label', {class: 'check'}, showAll, ' show unregistered')),
    body);

  async function refresh() {
    try {
      const executors = await ctx.api.call('getexecutorsmsg', {colonyname: ctx.colony});
      const shown = executors.filter((e) => showAll.checked || e.state !== 3);
      if (!shown.length) {
        show(body, h('p', {class: 'muted'}, executors.length
          ? 'Only unregistered executors.' : 'No executors in this colony yet. Start one (docs/executors.md).'));
        return;
      }
      show(body, h('table', {class: 'list'},
        h('thead', {}, h('tr', {}, ['Name', 'Type', 'State', 'Location', 'Last contact', 'Capacity', 'Software',
          'Added'].map((t) => h('th', {}, t)))),
        h('tbody', {}, shown.map((e) => h('tr', {'data-executor': e.executorname},
          h('td', {title: e.executorid}, e.executorname), h('td', {}, e.executortype), h('td', {}, executorBadge(e.state)),
          h('td', {}, e.locationname || '–'),
          h('td', {title: formatTime(e.lastheardfromtime)}, formatAgo(e.lastheardfromtime)),
          h('td', {class: 'capacity'}, capacity(e)), h('td', {}, software(e)),
          h('td', {}, formatTime(e.commissiontime)))))));
    } catch (error) {
      show(body, errorPanel(error, 'listing the executors'));
    }
  }

  refresh();
  return {node, poll: () => refresh()};
}

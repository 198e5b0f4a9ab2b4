// Overview: the colony's statistics (processes, workflows and executors by state) and its latest
// workflows; for the server owner also every colony and the whole server's statistics.
import {debounce, errorPanel, facts, formatTime, h, shortId, show, stateBadge} from '../dom.js';
import {progressBar} from './workflows.js';

function statCards(stats, prefix) {
  const card = (label, value, state) => h('div', {class: `card${state !== undefined ? ` state-${state}` : ''}`,
    'data-stat': label.toLowerCase()}, h('div', {class: 'value'}, value ?? 0), h('div', {class: 'label'}, label));
  return h('div', {class: 'cards'},
    card('Waiting', stats[`waiting${prefix}`], 0), card('Running', stats[`running${prefix}`], 1),
    card('Successful', stats[`successful${prefix}`], 2), card('Failed', stats[`failed${prefix}`], 3),
    card('Cancelled', stats[`cancelled${prefix}`], 4));
}

export function render(ctx) {
  const colonyPart = h('div', {id: 'colony-overview'});
  const serverPart = h('div', {id: 'server-overview'});
  const node = h('section', {},
    h('h1', {}, 'Colony ', h('span', {class: 'mono'}, ctx.colony || '–')), colonyPart, serverPart);

  async function loadColony() {
    if (!ctx.colony) return show(colonyPart, h('p', {class: 'muted'}, 'No colony chosen.'));
    try {
      const [colony, stats, graphs] = await Promise.all([
        ctx.api.call('getcolonymsg', {colonyname: ctx.colony}),
        ctx.api.call('getcolonystatsmsg', {colonyname: ctx.colony}),
        ctx.api.call('getprocessgraphsmsg', {colonyname: ctx.colony, count: 8, state: -1}),
      ]);
      show(colonyPart,
        facts([['Colony ID', h('span', {class: 'mono', title: colony.colonyid}, colony.colonyid)],
          ['Executors', `${stats.activeexecutors} approved of ${stats.executors} registered`]]),
        h('h2', {}, 'Processes'), statCards(stats, 'processes'),
        h('h2', {}, 'Workflows'), statCards(stats, 'workflows'),
        h('h2', {}, 'Latest workflows'),
        graphs.length ? h('table', {class: 'list'},
          h('thead', {}, h('tr', {}, h('th', {}, 'Workflow'), h('th', {}, 'State'), h('th', {}, 'Progress'),
            h('th', {}, 'Submitted'), h('th', {}, 'By'))),
          h('tbody', {}, graphs.map((g) => h('tr', {},
            h('td', {}, h('a', {href: `#/workflow/${g.processgraphid}`, class: 'mono'}, shortId(g.processgraphid))),
            h('td', {}, stateBadge(g.state)), h('td', {}, progressBar(g.progress)),
            h('td', {}, formatTime(g.submissiontime)), h('td', {}, g.initiatorname))))) : h('p', {class: 'muted'}, 'No workflows yet.'));
    } catch (error) {
      show(colonyPart, errorPanel(error, `reading colony ${ctx.colony}`));
    }
  }

  async function loadServer() {
    if (!ctx.serverOwner) return;
    try {
      const [colonies, stats] = await Promise.all([
        ctx.api.call('getcoloniesmsg'), ctx.api.call('getstatisticsmsg'),
      ]);
      show(serverPart,
        h('h1', {}, 'Server'),
        facts([['Colonies', stats.colonies], ['Executors', `${stats.activeexecutors} approved of ${stats.executors}`]]),
        h('h2', {}, 'Processes on the server'), statCards(stats, 'processes'),
        h('h2', {}, 'Colonies'),
        h('table', {class: 'list', id: 'colonies'},
          h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Colony ID (owner)'), h('th', {}, ''))),
          h('tbody', {}, colonies.map((c) => h('tr', {'data-colony': c.name},
            h('td', {}, c.name), h('td', {class: 'mono'}, c.colonyid),
            h('td', {}, c.name === ctx.colony ? h('span', {class: 'muted'}, 'shown')
              : h('button', {type: 'button', class: 'secondary', onclick: () => ctx.switchColony(c.name)}, 'Open')))))));
    } catch (error) {
      show(serverPart, errorPanel(error, 'reading the server statistics'));
    }
  }

  const refresh = () => Promise.all([ctx.member ? loadColony() : noMember(), loadServer()]);
  function noMember() {
    show(colonyPart, h('p', {class: 'muted'},
      'This key is not a user or executor of the colony, so its processes, executors and workflows are not ',
      'readable with it. Log in with a user key of the colony for the other views.'));
  }
  const later = debounce(refresh, 1000);
  refresh();
  return {
    node,
    poll: () => refresh(),
    onProcess: () => later(),
    dispose: () => later.cancel(),
  };
}

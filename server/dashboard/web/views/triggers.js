// Crons and generators: what starts workflows on a schedule, or once enough arguments have been
// packed (docs/crons-and-generators.md). Lists with their schedule or trigger, the last and next
// run and the workflow each last started; a cron can be run now, and each shows its workflow spec.
import {errorPanel, formatTime, h, isSet, json, shortId, show} from '../dom.js';

function specDetails(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    value = text;
  }
  const count = value?.functionspecs?.length;
  return h('details', {}, h('summary', {}, count === undefined ? 'spec' : `${count} node${count === 1 ? '' : 's'}`),
    json(value));
}

function schedule(cron) {
  if (cron.interval > 0) return `every ${cron.interval} s${cron.random ? ' (random wait up to it)' : ''}`;
  return h('span', {class: 'mono'}, cron.cronexpression);
}

export function render(ctx) {
  const crons = ctx.kind === 'crons';
  const body = h('div', {id: crons ? 'cron-list' : 'generator-list'});
  const status = h('div', {});
  const node = h('section', {}, h('h1', {}, crons ? 'Crons' : 'Generators'), status, body);

  async function runNow(cron) {
    try {
      const after = await ctx.api.call('runcronmsg', {cronid: cron.cronid});
      show(status, h('p', {class: 'ok'}, `Cron ${cron.name} started workflow `,
        h('a', {href: `#/workflow/${after.prevprocessgraphid}`, class: 'mono'}, shortId(after.prevprocessgraphid)), '.'));
      load();
    } catch (error) {
      show(status, errorPanel(error, `running cron ${cron.name}`));
    }
  }

  function cronTable(list) {
    return h('table', {class: 'list'},
      h('thead', {}, h('tr', {}, ['Name', 'Schedule', 'Next run', 'Last run', 'Last workflow', 'Waits for previous',
        'Added by', 'Workflow spec', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, list.map((c) => h('tr', {'data-cron': c.name},
        h('td', {title: c.cronid}, c.name), h('td', {}, schedule(c)), h('td', {}, formatTime(c.nextrun)),
        h('td', {}, formatTime(c.lastrun)),
        h('td', {}, c.prevprocessgraphid
          ? h('a', {href: `#/workflow/${c.prevprocessgraphid}`, class: 'mono'}, shortId(c.prevprocessgraphid)) : '–'),
        h('td', {}, c.waitforprevprocessgraph ? 'yes' : 'no'), h('td', {}, c.initiatorname),
        h('td', {}, specDetails(c.workflowspec)),
        h('td', {}, h('button', {type: 'button', class: 'secondary', onclick: () => runNow(c)}, 'Run now'))))));
  }

  function generatorTable(list) {
    return h('table', {class: 'list'},
      h('thead', {}, h('tr', {}, ['Name', 'Trigger', 'Timeout', 'Queued args', 'Oldest queued', 'Last run', 'Added by',
        'Workflow spec'].map((t) => h('th', {}, t)))),
      h('tbody', {}, list.map((g) => h('tr', {'data-generator': g.name},
        h('td', {title: g.generatorid}, g.name), h('td', {}, `${g.trigger} args`),
        h('td', {}, g.timeout > 0 ? `${g.timeout} s` : 'full batches only'), h('td', {}, g.queuesize ?? 0),
        h('td', {}, isSet(g.firstpack) ? formatTime(g.firstpack) : '–'), h('td', {}, formatTime(g.lastrun)),
        h('td', {}, g.initiatorname), h('td', {}, specDetails(g.workflowspec))))));
  }

  async function load() {
    try {
      const list = await ctx.api.call(crons ? 'getcronsmsg' : 'getgeneratorsmsg', {colonyname: ctx.colony, count: 100});
      if (!list.length) {
        show(body, h('p', {class: 'muted'}, crons ? 'No crons in this colony (`colonies cron add`).'
          : 'No generators in this colony (`colonies generator add`).'));
        return;
      }
      // A refresh must not fold up the spec someone is reading.
      const open = new Set([...body.querySelectorAll('tr:has(details[open])')].map((tr) => tr.dataset.cron ?? tr.dataset.generator));
      show(body, crons ? cronTable(list) : generatorTable(list));
      for (const tr of body.querySelectorAll('tbody tr')) {
        if (open.has(tr.dataset.cron ?? tr.dataset.generator)) tr.querySelector('details').open = true;
      }
    } catch (error) {
      show(body, errorPanel(error, crons ? 'listing the crons' : 'listing the generators'));
    }
  }

  load();
  // Next runs and queue sizes change without process events: refresh on every poll.
  return {node, poll: () => load()};
}

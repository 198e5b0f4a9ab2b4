// Process detail: state, times, placement, input and output, errors, attributes, the stored spec
// and the process's logs, which follow while it runs (new lines are read with getlogsmsg's
// "since"). A standalone process that has not finished can be cancelled from here.
import {
  debounce, errorPanel, facts, formatDuration, formatLogTime, formatTime, h, isSet, json, shortId, show, stateBadge,
} from '../dom.js';

const LOG_PAGE = 500;
// Lines kept on the page; older ones are dropped from view (the server keeps them).
const MAX_LOG_LINES = 20000;

export function render(ctx, processid) {
  const header = h('div', {id: 'process-header'});
  const details = h('div', {id: 'process-details'});
  const logView = h('pre', {class: 'logs', id: 'logs', 'aria-live': 'polite'});
  const logNote = h('p', {class: 'muted', id: 'logs-note'}, 'Reading logs…');
  const node = h('section', {},
    h('h1', {}, 'Process ', h('span', {class: 'mono', title: processid}, shortId(processid))),
    header, details, h('h2', {}, 'Logs'), logNote, logView);

  let process = null;
  let since = 0n;  // BigInt: Unix ns of the newest log line shown
  let lines = 0;
  let readingLogs = false;

  function draw(p) {
    process = p;
    const c = p.spec?.conditions ?? {};
    const cancellable = !p.processgraphid && (p.state === 0 || p.state === 1);
    show(header,
      h('div', {class: 'title-row'}, stateBadge(p.state),
        cancellable ? h('button', {type: 'button', class: 'danger', id: 'cancel-process', onclick: cancel}, 'Cancel') : null),
      facts([
        ['Process ID', h('span', {class: 'mono'}, p.processid)],
        ['Function', p.spec?.funcname ?? ''],
        p.spec?.nodename ? ['Node', p.spec.nodename] : null,
        p.processgraphid ? ['Workflow', h('a', {href: `#/workflow/${p.processgraphid}`, class: 'mono'}, p.processgraphid)] : null,
        ['Executor', c.executortype ? `type ${c.executortype}` : `named ${(c.executornames ?? []).join(', ')}`],
        ['Assigned to', p.assignedexecutorid ? h('span', {class: 'mono'}, p.assignedexecutorid) : '–'],
        ['Submitted by', `${p.initiatorname} (${shortId(p.initiatorid)})`],
        ['Submitted', formatTime(p.submissiontime)],
        ['Started', formatTime(p.starttime)],
        ['Ended', formatTime(p.endtime)],
        ['Run time', formatDuration(p.starttime, p.endtime)],
        p.waitreason ? ['Waiting because', p.waitreason] : null,
        isSet(p.waitdeadline) && p.state === 0 ? ['Wait deadline', formatTime(p.waitdeadline)] : null,
        isSet(p.execdeadline) && p.state === 1 ? ['Run deadline', formatTime(p.execdeadline)] : null,
        ['Retries', `${p.retries} of ${p.spec?.maxretries === -1 ? 'unlimited' : p.spec?.maxretries ?? 0}`],
        ['Priority', p.spec?.priority ?? 0],
        p.spec?.label ? ['Label', p.spec.label] : null,
      ]));
    show(details,
      p.errors?.length ? [h('h2', {}, 'Errors'), h('ul', {class: 'errors', id: 'process-errors'}, p.errors.map((e) => h('li', {}, e)))] : null,
      h('h2', {}, 'Arguments'), json({args: p.spec?.args ?? [], kwargs: p.spec?.kwargs ?? {}}),
      p.in?.length ? [h('h2', {}, 'Input (from parents)'), json(p.in)] : null,
      h('h2', {}, 'Output'), p.out?.length ? json(p.out) : h('p', {class: 'muted', id: 'no-output'}, 'none'),
      p.attributes?.length ? [h('h2', {}, 'Attributes'), h('table', {class: 'list'},
        h('thead', {}, h('tr', {}, h('th', {}, 'Key'), h('th', {}, 'Value'), h('th', {}, 'Type'))),
        h('tbody', {}, p.attributes.map((a) => h('tr', {}, h('td', {}, a.key), h('td', {}, a.value),
          h('td', {}, ['IN', 'OUT', 'ERR', 'ENV'][a.attributetype] ?? a.attributetype)))))] : null,
      h('details', {}, h('summary', {}, 'Stored spec (JSON)'), json(p.spec)));
  }

  async function cancel() {
    if (!window.confirm(`Cancel process ${shortId(processid)}?`)) return;
    try {
      draw(await ctx.api.call('cancelprocessmsg', {processid}));
    } catch (error) {
      header.appendChild(errorPanel(error, 'cancelling the process'));
    }
  }

  async function loadProcess() {
    try {
      draw(await ctx.api.call('getprocessmsg', {processid}));
    } catch (error) {
      show(header, errorPanel(error, `reading process ${shortId(processid)}`));
      show(details);
    }
  }

  async function loadLogs() {
    if (readingLogs) return;
    readingLogs = true;
    try {
      for (let page = 0; page < 20; page++) {
        const logs = await ctx.api.call('getlogsmsg', {colonyname: ctx.colony, processid, count: LOG_PAGE, since});
        for (const log of logs) {
          logView.appendChild(h('span', {class: 'log-line'},
            h('span', {class: 'log-time'}, formatLogTime(log.timestamp)), ' ',
            h('span', {class: 'log-source'}, log.executorname), ' ', log.message.replace(/\n$/, ''), '\n'));
          lines++;
          // Unix ns beyond 2^53, read as a decimal string (api.js): BigInt keeps "since" exact.
          if (BigInt(log.timestamp) > since) since = BigInt(log.timestamp);
        }
        while (lines > MAX_LOG_LINES) { logView.firstChild.remove(); lines--; }
        if (logs.length < LOG_PAGE) break;
      }
      logNote.textContent = lines ? '' : (process && process.state >= 2 ? 'This process wrote no logs.' : 'No logs yet.');
    } catch (error) {
      show(logNote, errorPanel(error, 'reading the logs'));
    } finally {
      readingLogs = false;
    }
  }

  const later = debounce(() => { loadProcess(); loadLogs(); }, 300);
  loadProcess().then(loadLogs);
  return {
    node,
    poll: (live) => {
      if (!live) loadProcess();
      if (!process || process.state < 2) loadLogs();
    },
    onResync: () => later(),
    onProcess: (p) => {
      if (p.processid !== processid) return;
      draw(p);  // the event carries the committed process; waitreason is only in getprocessmsg
      loadLogs();
    },
    dispose: () => later.cancel(),
  };
}

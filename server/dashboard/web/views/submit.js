// Submit a workflow: a WorkflowSpec as JSON (docs/workflows.md), typed, pasted or loaded from a
// file, checked for JSON syntax and shape here and validated by the server (which names the
// offending node), then submitted with submitworkflowspecmsg; the new workflow opens in the DAG view.
import {errorPanel, h, show} from '../dom.js';

function example(colony, executortype) {
  const node = (nodename, message, dependencies) => ({
    nodename, funcname: 'echo', args: [message],
    conditions: {executortype, ...(dependencies ? {dependencies} : {})},
    maxexectime: 600,
  });
  return JSON.stringify({
    colonyname: colony,
    functionspecs: [
      node('prepare', 'preparing the input'),
      node('compute', 'computing', ['prepare']),
      node('report', 'writing the report', ['prepare', 'compute']),
    ],
  }, null, 2);
}

// The spec as an object, or an Error saying what is wrong with the text.
function parseSpec(text) {
  let spec;
  try {
    spec = JSON.parse(text);
  } catch (error) {
    return new Error(`not valid JSON: ${error.message}`);
  }
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return new Error('a WorkflowSpec is a JSON object');
  if (!Array.isArray(spec.functionspecs) || !spec.functionspecs.length) {
    return new Error('"functionspecs" must be a non-empty array of FunctionSpecs, one per node');
  }
  return spec;
}

export function render(ctx) {
  const editor = h('textarea', {
    id: 'workflow-spec', rows: 24, spellcheck: 'false', class: 'mono', 'aria-label': 'WorkflowSpec JSON',
    value: example(ctx.colony, 'local'),
  });
  let edited = false;
  editor.addEventListener('input', () => { edited = true; });
  const fileInput = h('input', {type: 'file', id: 'spec-file', accept: '.json,application/json', 'aria-label': 'load a spec file'});
  const status = h('div', {id: 'submit-status'});
  const submitButton = h('button', {type: 'submit', id: 'submit-workflow'}, 'Submit workflow');

  // The example uses an executor type this colony has, when it has one.
  ctx.api.call('getexecutorsmsg', {colonyname: ctx.colony}).then((executors) => {
    const approved = executors.find((e) => e.state === 1);
    if (approved && !edited) editor.value = example(ctx.colony, approved.executortype);
  }, () => {});

  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    editor.value = await file.text();
    edited = true;
    fileInput.value = '';
  });

  const form = h('form', {
    class: 'submit-form',
    onsubmit: async (event) => {
      event.preventDefault();
      const spec = parseSpec(editor.value);
      if (spec instanceof Error) {
        show(status, errorPanel(spec, 'reading the spec'));
        return;
      }
      if (!spec.colonyname) spec.colonyname = ctx.colony;
      submitButton.disabled = true;
      show(status, h('p', {class: 'muted'}, 'Submitting…'));
      try {
        const graph = await ctx.api.call('submitworkflowspecmsg', {spec});
        ctx.navigate(`#/workflow/${graph.processgraphid}`);
      } catch (error) {
        show(status, errorPanel(error, 'submitting the workflow'));
        submitButton.disabled = false;
      }
    },
  },
  h('p', {class: 'muted'}, 'A WorkflowSpec: "colonyname" and "functionspecs", one FunctionSpec per node with a unique ',
    '"nodename"; "conditions.dependencies" lists the nodes a node waits for. See docs/workflows.md.'),
  editor,
  h('div', {class: 'row'},
    h('button', {type: 'button', class: 'secondary', onclick: () => {
      const spec = parseSpec(editor.value);
      if (spec instanceof Error) show(status, errorPanel(spec, 'reading the spec'));
      else { editor.value = JSON.stringify(spec, null, 2); show(status); }
    }}, 'Check and format'),
    h('label', {}, 'Load from file ', fileInput),
    submitButton),
  status);
  return {node: h('section', {}, h('h1', {}, 'Submit a workflow'), form)};
}

// Log in: a private key (pasted, or read from a key file made by `colonies security generate
// --out`), its derived ID shown before anything is sent, and the colony. Nothing here sends the
// key: it is imported into WebCrypto and only signed requests leave the page.
import {Api} from '../api.js';
import {importPrivateKey, webCryptoProblem} from '../crypto.js';
import {debounce, errorPanel, h, show} from '../dom.js';

export function render({onLogin, colony}) {
  const problem = webCryptoProblem();
  const keyInput = h('input', {
    type: 'password', id: 'key', name: 'key', autocomplete: 'off', spellcheck: 'false',
    placeholder: '64 hexadecimal characters', 'aria-describedby': 'key-help', required: true,
  });
  const fileInput = h('input', {type: 'file', id: 'key-file', 'aria-label': 'key file'});
  const derived = h('output', {id: 'derived-id', class: 'mono'}, '–');
  const colonyInput = h('input', {
    type: 'text', id: 'colony', name: 'colony', value: colony, list: 'colony-list', autocomplete: 'off',
    placeholder: 'colony name',
  });
  const colonyList = h('datalist', {id: 'colony-list'});
  const colonyNote = h('small', {class: 'muted', id: 'colony-note'});
  const remember = h('input', {type: 'checkbox', id: 'remember'});
  const status = h('div', {id: 'login-status'});
  const submitButton = h('button', {type: 'submit', id: 'login-button', disabled: Boolean(problem)}, 'Log in');

  // Derive and show the ID as the key is typed; for a server owner also list the colonies.
  let generation = 0;
  const inspect = debounce(async () => {
    const mine = ++generation;
    colonyNote.textContent = '';
    if (!keyInput.value.trim()) { derived.textContent = '–'; return; }
    try {
      const identity = await importPrivateKey(keyInput.value);
      if (mine !== generation) return;
      derived.textContent = identity.id;
      derived.classList.remove('invalid');
      try {
        const colonies = await new Api(identity).call('getcoloniesmsg');
        if (mine !== generation) return;
        show(colonyList, colonies.map((c) => h('option', {value: c.name})));
        colonyNote.textContent = `server owner: ${colonies.length} ${colonies.length === 1 ? 'colony' : 'colonies'}`;
        if (!colonyInput.value && colonies.length) colonyInput.value = colonies[0].name;
      } catch {
        // Not the server owner (403), or unreachable: the log-in itself reports what matters.
      }
    } catch (error) {
      if (mine !== generation) return;
      derived.textContent = error.message;
      derived.classList.add('invalid');
    }
  }, 150);
  keyInput.addEventListener('input', inspect);

  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    if (file.size > 4096) {
      show(status, errorPanel(new Error(`${file.name} is ${file.size} bytes; a key file holds 64 hex characters`)));
      return;
    }
    keyInput.value = (await file.text()).trim();
    fileInput.value = '';
    inspect();
  });

  const form = h('form', {
    class: 'login', autocomplete: 'off',
    onsubmit: async (event) => {
      event.preventDefault();
      submitButton.disabled = true;
      show(status, h('p', {class: 'muted'}, 'Checking the key with the server…'));
      try {
        await onLogin(keyInput.value, colonyInput.value, remember.checked);
        keyInput.value = '';
      } catch (error) {
        show(status, errorPanel(error, 'logging in'));
        submitButton.disabled = false;
      }
    },
  },
  h('h1', {}, 'Colonies dashboard'),
  problem ? errorPanel(new Error(problem)) : null,
  h('label', {for: 'key'}, 'Private key'),
  keyInput,
  h('small', {id: 'key-help', class: 'muted'},
    'The 64-hex Ed25519 private key of a user of the colony (COLONIES_PRVKEY), or load its key file. ',
    'It stays in this browser: requests are signed here and only signatures are sent.'),
  h('div', {class: 'row'}, h('label', {for: 'key-file'}, 'Key file'), fileInput),
  h('div', {class: 'row'}, h('span', {class: 'label'}, 'ID'), derived),
  h('label', {for: 'colony'}, 'Colony'),
  colonyInput, colonyList, colonyNote,
  h('label', {class: 'check'}, remember, ' Remember the key for this tab ',
    h('small', {class: 'muted'}, '(kept in this tab\'s session storage until the tab closes; unticked, a reload asks again)')),
  submitButton,
  status);

  return {node: h('section', {class: 'login-page'}, form), dispose: () => inspect.cancel()};
}

// The config page: the config file in a CodeMirror editor (bundled: dist/editor.js), checked by the server
// as you type (`POST api/config?check=1`, the start-up schema plus the source schemes), saved only when the
// server accepts it (`POST api/config`: atomic write, previous file kept as .bak, streams applied at once).
import { el, errorText, getJson, isDark, mountHeader, onThemeChange, serverInfo } from './ui.js';

mountHeader('config');

const CHECK_DELAY_MS = 300;
const RUNNING_REFRESH_MS = 3000;
const YAML = { 'Content-Type': 'application/yaml', Accept: 'application/json' };

const saveButton = document.getElementById('save');
const revertButton = document.getElementById('revert');
const stateText = document.getElementById('state');
const banner = document.getElementById('banner');
const problemList = document.getElementById('problems');
const problemsNone = document.getElementById('problems-none');

let editor;
let savedText = '';
let lastProblems = [];
let checkTimer = 0;
let checkSeq = 0;
let valid = false;
let enabled = true;

function showBanner(kind, ...content) {
  banner.className = `banner ${kind}`;
  banner.replaceChildren(...content);
  banner.hidden = false;
}

function hideBanner() {
  banner.hidden = true;
  banner.replaceChildren();
}

function setState() {
  const dirty = editor && editor.getText() !== savedText;
  saveButton.disabled = !enabled || !dirty || !valid;
  revertButton.disabled = !enabled || !dirty;
  if (!enabled) stateText.textContent = 'read-only';
  else if (!dirty) stateText.textContent = 'saved';
  else stateText.textContent = valid ? 'unsaved changes' : 'unsaved changes · fix the problems to save';
}

function where(p) {
  return [p.line !== undefined && p.line !== null ? `line ${p.line}` : '', p.path].filter(Boolean).join(' · ');
}

function showProblems(errors, warnings) {
  lastProblems = [
    ...errors.map((p) => ({ ...p, severity: 'error' })),
    ...warnings.map((p) => ({ ...p, severity: 'warning' })),
  ];
  editor.setProblems(lastProblems);
  problemList.replaceChildren(
    ...lastProblems.map((p) =>
      el(
        'li',
        {
          className: p.severity === 'error' ? 'error' : 'warn',
          dataset: { line: p.line ?? '' },
          onclick: () => p.line && editor.goToLine(p.line),
        },
        el('div', { className: 'where' }, where(p) || 'whole file'),
        el('div', {}, p.message),
      ),
    ),
  );
  problemsNone.textContent = lastProblems.length === 0 ? 'None: the server accepts this config.' : '';
  problemsNone.hidden = lastProblems.length > 0;
}

async function check() {
  const seq = ++checkSeq;
  const text = editor.getText();
  try {
    const r = await fetch('api/config?check=1', { method: 'POST', headers: YAML, body: text });
    if (seq !== checkSeq) return; // a newer check is on its way
    if (!r.ok) {
      valid = false;
      problemsNone.hidden = false;
      problemsNone.textContent = `Cannot check: ${await errorText(r)}`;
    } else {
      const report = await r.json();
      valid = report.valid;
      showProblems(report.errors ?? [], report.warnings ?? []);
    }
  } catch (err) {
    if (seq !== checkSeq) return;
    valid = false;
    problemsNone.hidden = false;
    problemsNone.textContent = `Cannot check: ${err.message}`;
  }
  setState();
}

function scheduleCheck() {
  valid = false;
  setState();
  clearTimeout(checkTimer);
  checkTimer = setTimeout(check, CHECK_DELAY_MS);
}

function list(names) {
  return names.length ? names.join(', ') : '';
}

async function save() {
  if (saveButton.disabled) return;
  saveButton.disabled = true;
  clearTimeout(checkTimer);
  const text = editor.getText();
  stateText.textContent = 'saving…';
  let r;
  try {
    r = await fetch('api/config', { method: 'POST', headers: YAML, body: text });
  } catch (err) {
    showBanner('error', `Not saved: ${err.message}`);
    setState();
    return;
  }
  if (r.status === 400) {
    const body = await r.json().catch(() => ({}));
    valid = false;
    if (Array.isArray(body.errors)) showProblems(body.errors, []);
    showBanner(
      'error',
      `Not saved: the server refused this config (${body.errors?.length ?? 1} problem${body.errors?.length === 1 ? '' : 's'}). The file is unchanged.`,
    );
    setState();
    return;
  }
  if (!r.ok) {
    showBanner('error', `Not saved: ${await errorText(r)}`);
    setState();
    return;
  }
  const report = await r.json().catch(() => ({}));
  savedText = text;
  const s = report.streams ?? { added: [], changed: [], removed: [], failed: [] };
  const parts = [el('strong', {}, 'Saved.')];
  if (report.backup) parts.push(' Previous file kept as ', el('code', {}, report.backup), '.');
  const applied = [
    s.added?.length ? `added ${list(s.added)}` : '',
    s.changed?.length ? `changed ${list(s.changed)}` : '',
    s.removed?.length ? `removed ${list(s.removed)}` : '',
  ].filter(Boolean);
  parts.push(applied.length ? ` Streams applied now: ${applied.join('; ')}.` : ' No stream changed.');
  if (s.failed?.length) parts.push(` Not started: ${s.failed.map((f) => `${f.name} (${f.error})`).join('; ')}.`);
  let kind = 'ok';
  if (report.restart_required?.length) {
    kind = 'warn';
    parts.push(
      el('br'),
      `Restart ts2rtc (the add-on) to apply the change to ${report.restart_required.join(', ')}: these sections are read only at start.`,
    );
  }
  showBanner(kind, ...parts);
  setState();
  refreshRunning();
}

async function refreshRunning() {
  const r = await getJson('api/streams');
  const ul = document.getElementById('running');
  if (!r.ok) {
    ul.replaceChildren(el('li', { className: 'error' }, r.error));
    return;
  }
  const names = Object.keys(r.data ?? {}).sort();
  ul.replaceChildren(
    ...(names.length
      ? names.map((name) =>
          el(
            'li',
            { dataset: { stream: name } },
            el('a', { href: `links.html?src=${encodeURIComponent(name)}` }, name),
          ),
        )
      : [el('li', { className: 'muted' }, 'none')]),
  );
}

/** The bundled CodeMirror editor, or a plain text area when the bundle was not built. */
async function createEditor(parent, text) {
  const options = { text, dark: isDark(), onChange: scheduleCheck, onSave: save };
  try {
    const { createEditor: create } = await import('./dist/editor.js');
    return create(parent, options);
  } catch (err) {
    console.warn('editor bundle missing, using a text area', err);
    const area = el('textarea', { spellcheck: 'false', 'aria-label': 'Config file (YAML)' });
    area.value = text;
    area.addEventListener('input', () => options.onChange(area.value));
    parent.replaceChildren(area);
    showBanner(
      'warn',
      'The editor bundle (dist/editor.js) is missing: run `npm run build` in addon/. Editing as plain text.',
    );
    return {
      getText: () => area.value,
      setText: (v) => (area.value = v),
      setDark: () => {},
      setProblems: () => {},
      goToLine: () => area.focus(),
    };
  }
}

async function load() {
  const info = await serverInfo();
  if (info.config_path) document.getElementById('path').textContent = info.config_path;
  const r = await fetch('api/config', { cache: 'no-cache' });
  let text = '';
  if (r.status === 410) {
    enabled = false;
    showBanner(
      'warn',
      'This server runs without a config file (only inline -c values), so there is nothing to edit here.',
    );
  } else if (r.status === 404) {
    showBanner('warn', 'The config file does not exist yet; saving creates it.');
  } else if (!r.ok) {
    enabled = false;
    showBanner('error', `Cannot read the config: ${await errorText(r)}`);
  } else {
    text = await r.text();
  }
  savedText = text;
  editor = await createEditor(document.getElementById('editor'), text);
  onThemeChange((dark) => editor.setDark(dark));
  saveButton.addEventListener('click', save);
  revertButton.addEventListener('click', () => {
    editor.setText(savedText);
    hideBanner();
  });
  window.addEventListener('beforeunload', (event) => {
    if (editor.getText() !== savedText) event.preventDefault();
  });
  setState();
  await check();
  refreshRunning();
  setInterval(refreshRunning, RUNNING_REFRESH_MS);
}

load();

// Shared by every page of the panel: the header and navigation, the light/dark switch, small DOM and fetch
// helpers. Every URL is relative to the page, so the panel works at `/`, under `api.base_path` and behind
// Home Assistant Ingress (`/api/hassio_ingress/<token>/`) alike. Text from the server is only ever set with
// textContent (never innerHTML), so a stream name or a log line cannot inject markup.

const PAGES = [
  ['./', 'Streams', 'index'],
  ['add.html', 'Add', 'add'],
  ['config.html', 'Config', 'config'],
  ['log.html', 'Log', 'log'],
  ['network.html', 'Network', 'network'],
];

const THEME_KEY = 'ts2rtc-theme';
const themeListeners = [];

/** `el('a', {href: 'x', className: 'y'}, 'text', child)`; strings become text nodes. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'className') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on') && typeof value === 'function') node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? String(child) : child);
  }
  return node;
}

/** The page's current theme: `dark` or `light` (the switch's choice, else the system's). */
export function isDark() {
  const chosen = document.documentElement.dataset.theme;
  if (chosen) return chosen === 'dark';
  return matchMedia('(prefers-color-scheme: dark)').matches;
}

export function onThemeChange(listener) {
  themeListeners.push(listener);
}

function applyTheme(theme) {
  if (theme === 'dark' || theme === 'light') document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
  for (const listener of themeListeners) listener(isDark());
}

function storedTheme() {
  try {
    return localStorage.getItem(THEME_KEY) ?? '';
  } catch {
    return ''; // storage refused (private mode, sandboxed frame): follow the system
  }
}

applyTheme(storedTheme());
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => applyTheme(storedTheme()));

/** Renders the header into `<header id="top">`: title, navigation with the current page marked, theme switch. */
export function mountHeader(current) {
  const header = document.getElementById('top');
  const nav = el('nav', { 'aria-label': 'Pages' });
  for (const [href, label, id] of PAGES) {
    nav.append(el('a', { href, 'aria-current': id === current ? 'page' : undefined }, label));
  }
  const button = el('button', { type: 'button', className: 'theme-switch', title: 'Light or dark' });
  const label = () => {
    const t = storedTheme();
    button.textContent = t === 'dark' ? '☾ dark' : t === 'light' ? '☀ light' : '◐ auto';
  };
  button.addEventListener('click', () => {
    const next = { '': 'dark', dark: 'light', light: '' }[storedTheme()] ?? '';
    try {
      if (next) localStorage.setItem(THEME_KEY, next);
      else localStorage.removeItem(THEME_KEY);
    } catch {
      // not stored: the choice lasts for this page only
    }
    applyTheme(next);
    label();
  });
  label();
  header.replaceChildren(el('h1', {}, 'ts2rtc'), nav, el('span', { id: 'info', className: 'muted' }), button);
}

/** The error text of a failed answer: the API's `{"error","code"}`, else the body, else the status. */
export async function errorText(response) {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    if (body && typeof body.error === 'string') return body.code ? `${body.error} (${body.code})` : body.error;
  } catch {
    // not JSON
  }
  return text.trim() || `${response.status} ${response.statusText}`;
}

/** GET a JSON endpoint (relative URL): `{ok, status, data, error, code}`, never a throw. */
export async function getJson(path) {
  try {
    const r = await fetch(path, { cache: 'no-cache' });
    const text = await r.text();
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (r.ok) return { ok: true, status: r.status, data: body, error: '', code: '' };
    const error = typeof body?.error === 'string' ? body.error : text.trim() || `${r.status} ${r.statusText}`;
    return { ok: false, status: r.status, data: body, error, code: typeof body?.code === 'string' ? body.code : '' };
  } catch (err) {
    return { ok: false, status: 0, data: undefined, error: err?.message ?? String(err), code: 'NETWORK' };
  }
}

export function formatBytes(n) {
  if (!n) return '0 B';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

export function formatBitrate(bitsPerSecond) {
  if (!Number.isFinite(bitsPerSecond) || bitsPerSecond <= 0) return '0 kbit/s';
  if (bitsPerSecond >= 1e6) return `${(bitsPerSecond / 1e6).toFixed(2)} Mbit/s`;
  return `${(bitsPerSecond / 1e3).toFixed(0)} kbit/s`;
}

/** A button that copies `text()` to the clipboard (or selects it where the clipboard API is refused). */
export function copyButton(text, target) {
  const button = el('button', { type: 'button', className: 'small secondary' }, 'Copy');
  button.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text());
      button.textContent = 'Copied';
    } catch {
      // Not a secure context, or permission refused: select the text for Ctrl-C instead.
      if (target) getSelection()?.selectAllChildren(target);
      button.textContent = 'Press Ctrl-C';
    }
    setTimeout(() => (button.textContent = 'Copy'), 1500);
  });
  return button;
}

/** Server info (`GET api`), fetched once per page. */
let infoPromise;
export function serverInfo() {
  infoPromise ??= getJson('api').then((r) => (r.ok ? r.data : {}));
  return infoPromise;
}

/** The host part clients use to reach this server: the page's host name (what the browser used). */
export function rtspBase(info) {
  const listen = info?.rtsp?.listen;
  if (typeof listen !== 'string' || !listen.includes(':')) return '';
  const port = listen.slice(listen.lastIndexOf(':') + 1);
  const host = location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname;
  return `rtsp://${host}:${port}`;
}

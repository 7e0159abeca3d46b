// The log page: the server's memory log (`GET api/log?tail=N`, go2rtc's JSON lines), polled four times a
// second so a new line shows well within a second; level and text filters; Clear is `DELETE api/log`.
import { el, errorText, mountHeader } from './ui.js';

mountHeader('log');

const POLL_MS = 250;
const TAIL = 300;
const MAX_ROWS = 2000;
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'panic'];
// The server masks secrets; this repeats the URL-password mask in case a line reaches us unmasked.
const URL_PASSWORD = /(:\/\/)[^\s/@:]+:[^\s/@]+@/g;

const tbody = document.querySelector('#log tbody');
const levelSelect = document.getElementById('level');
const search = document.getElementById('search');
const live = document.getElementById('live');
const count = document.getElementById('count');

/** The raw lines seen, oldest first, to find where the next answer continues. */
let known = [];
/** Parsed records, oldest first. */
let records = [];
let polling = false;
let firstLoad = true;

function parse(line) {
  try {
    const rec = JSON.parse(line);
    return rec && typeof rec === 'object' ? rec : { level: 'info', message: line };
  } catch {
    return { level: 'info', message: line };
  }
}

function timeText(time) {
  if (typeof time === 'number') {
    // go2rtc's log.time: UNIXMS by default; micro- and nanoseconds are scaled down.
    const ms = time > 1e17 ? time / 1e6 : time > 1e14 ? time / 1e3 : time;
    const d = new Date(ms);
    return `${d.toLocaleTimeString([], { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  }
  return typeof time === 'string' ? time : '';
}

function fieldsText(rec) {
  const parts = [];
  for (const [key, value] of Object.entries(rec)) {
    if (key === 'level' || key === 'time' || key === 'message') continue;
    parts.push(`${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  return parts.join(' ');
}

function row(rec, fresh) {
  const level = String(rec.level ?? 'info').toLowerCase();
  const message = [String(rec.message ?? ''), fieldsText(rec)]
    .filter(Boolean)
    .join('  ')
    .replace(URL_PASSWORD, '$1***@');
  return el(
    'tr',
    { className: `lvl-${level}${fresh ? ' new' : ''}`, dataset: { level } },
    el('td', { className: 'time' }, timeText(rec.time)),
    el('td', { className: 'level' }, level),
    el('td', { className: 'message' }, message),
  );
}

function visible(rec) {
  const min = LEVELS.indexOf(levelSelect.value);
  const lvl = LEVELS.indexOf(String(rec.level ?? 'info').toLowerCase());
  if (lvl >= 0 && lvl < min) return false;
  const q = search.value.trim().toLowerCase();
  return !q || JSON.stringify(rec).toLowerCase().includes(q);
}

function render(freshFrom = records.length) {
  const rows = [];
  for (let i = records.length - 1; i >= 0 && rows.length < MAX_ROWS; i--) {
    if (visible(records[i])) rows.push(row(records[i], i >= freshFrom));
  }
  tbody.replaceChildren(...rows);
  count.textContent = `${rows.length} of ${records.length} lines`;
}

/** Where `fresh` (the newest lines) continues `known`: the lines of `fresh` that are new. */
function newLines(fresh) {
  if (known.length === 0) return fresh;
  for (let i = Math.max(0, known.length - fresh.length); i < known.length; i++) {
    if (known[i] !== fresh[0]) continue;
    const overlap = known.length - i;
    let same = true;
    for (let j = 1; j < overlap && same; j++) same = known[i + j] === fresh[j];
    if (same) return fresh.slice(overlap);
  }
  return null; // no overlap: cleared, or more lines came than one answer holds
}

async function poll() {
  if (polling || !live.checked) return;
  polling = true;
  try {
    const r = await fetch(`api/log?tail=${TAIL}`, { cache: 'no-cache' });
    if (!r.ok) {
      count.textContent = `log unavailable: ${await errorText(r)}`;
      return;
    }
    const fresh = (await r.text()).split('\n').filter((line) => line !== '');
    let added = newLines(fresh);
    if (added === null) {
      // Start over from what the server holds now.
      records = [];
      added = fresh;
    }
    known = fresh;
    if (added.length === 0 && tbody.childElementCount > 0) return;
    records.push(...added.map(parse));
    if (records.length > MAX_ROWS * 2) records = records.slice(-MAX_ROWS);
    // Lines that arrived while the page watched are marked; the first load is not news.
    render(firstLoad ? records.length : records.length - added.length);
    firstLoad = false;
  } catch (err) {
    count.textContent = `log unavailable: ${err.message}`;
  } finally {
    polling = false;
  }
}

levelSelect.addEventListener('change', () => render(records.length));
search.addEventListener('input', () => render(records.length));
live.addEventListener('change', poll);
document.getElementById('clear').addEventListener('click', async () => {
  const r = await fetch('api/log', { method: 'DELETE' });
  if (!r.ok) {
    count.textContent = `not cleared: ${await errorText(r)}`;
    return;
  }
  known = [];
  records = [];
  render();
});

poll();
setInterval(poll, POLL_MS);

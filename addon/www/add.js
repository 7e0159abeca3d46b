// The add page: a stream from a URL, or from a discovery list in one click (`PUT api/streams`, which also
// writes it to the config file). Each list asks its own endpoint, in go2rtc's `{"sources":[{name, info,
// url, location}]}` shape; a list whose module this server lacks says so instead of failing.
import { el, errorText, getJson, mountHeader } from './ui.js';

mountHeader('add');

/** The discovery lists, as in go2rtc's add page. `why` explains a list whose endpoint this build lacks. */
const SOURCES = [
  {
    id: 'hass',
    title: 'Home Assistant cameras',
    path: 'api/hass',
    auto: true,
    empty: 'No cameras found in Home Assistant.',
    // go2rtc's answer when Home Assistant's config entries cannot be read.
    unconfigured: /no hass config/,
    unconfiguredText:
      "Home Assistant's cameras are read from its .storage/core.config_entries, which this server cannot find. " +
      "The add-on maps it at /homeassistant; a standalone server needs hass.config set to Home Assistant's config folder.",
    why: 'The Home Assistant module is not part of this ts2rtc build yet, so its cameras cannot be listed here. Add a camera by its RTSP URL above.',
  },
  {
    id: 'devices',
    title: 'FFmpeg devices (USB cameras, microphones)',
    path: 'api/ffmpeg/devices',
    auto: true,
    empty: 'No capture device on this machine (no /dev/video*, no ALSA input).',
    why: 'This build has no FFmpeg module.',
  },
  {
    id: 'hardware',
    title: 'FFmpeg hardware acceleration',
    path: 'api/ffmpeg/hardware',
    auto: false,
    probe: 'Probe encoders',
    note: 'Runs a one-second test encode per engine. ts2rtc accepts #hardware in ffmpeg: sources but encodes in software for now.',
    empty: 'Nothing to probe.',
    why: 'This build has no FFmpeg module.',
    addable: false,
  },
  {
    id: 'homekit',
    title: 'Apple HomeKit cameras',
    path: 'api/discovery/homekit',
    auto: true,
    empty: 'No HomeKit camera announced on this network.',
    why: 'HomeKit is not implemented in ts2rtc yet: discovering cameras and pairing with their PIN need the HomeKit module, which is planned. A HomeKit camera paired elsewhere can be added through Home Assistant.',
  },
  {
    id: 'onvif',
    title: 'ONVIF cameras',
    path: 'api/onvif',
    auto: true,
    empty: 'No ONVIF camera answered the discovery.',
    why: 'This server does not answer ONVIF discovery. Most ONVIF cameras also give an RTSP URL you can add above.',
  },
];

async function existingNames() {
  const r = await getJson('api/streams');
  return new Set(r.ok ? Object.keys(r.data ?? {}) : []);
}

/** A stream name from a discovered entry's name: kept readable, made unique. */
function streamName(base, taken) {
  const clean =
    String(base || 'camera')
      .trim()
      .replace(/\s+/g, '_')
      .replace(/[^\w.\-]/g, '') || 'camera';
  let name = clean;
  for (let i = 2; taken.has(name); i++) name = `${clean}_${i}`;
  return name;
}

async function putStream(name, sources) {
  const query = new URLSearchParams({ name });
  for (const src of sources) query.append('src', src);
  const r = await fetch(`api/streams?${query}`, { method: 'PUT' });
  return r.ok ? { ok: true } : { ok: false, error: await errorText(r) };
}

function addButton(source, status) {
  const button = el('button', { type: 'button', className: 'small' }, 'Add');
  button.addEventListener('click', async () => {
    button.disabled = true;
    const name = streamName(source.name, await existingNames());
    const result = await putStream(name, [source.url]);
    if (result.ok) {
      status.replaceChildren('Added as ', el('a', { href: `links.html?src=${encodeURIComponent(name)}` }, name));
      status.className = 'ok';
    } else {
      button.disabled = false;
      status.textContent = result.error;
      status.className = 'error';
    }
  });
  return button;
}

function table(entry, sources, taken) {
  const cols = ['name', 'info', 'url', 'location'].filter((k) => sources.some((s) => s[k]));
  const addable = entry.addable !== false;
  const head = el('tr', {}, ...cols.map((c) => el('th', {}, c)), addable ? el('th', {}, '') : null);
  const rows = sources.map((source) => {
    const status = el('div', { className: 'muted', role: 'status' });
    if (taken.has(String(source.name ?? ''))) {
      status.append(
        'Already a stream: ',
        el('a', { href: `links.html?src=${encodeURIComponent(source.name)}` }, source.name),
      );
    }
    return el(
      'tr',
      { dataset: { url: source.url ?? '' } },
      ...cols.map((c) =>
        el('td', { className: c === 'url' || c === 'location' ? 'mono' : '' }, String(source[c] ?? '')),
      ),
      addable ? el('td', {}, source.url ? addButton(source, status) : '', status) : null,
    );
  });
  return el('div', { className: 'table-wrap' }, el('table', {}, el('thead', {}, head), el('tbody', {}, ...rows)));
}

async function load(entry, body) {
  body.replaceChildren(el('p', { className: 'muted' }, 'Loading…'));
  const r = await getJson(entry.path);
  if (r.ok) {
    const sources = Array.isArray(r.data?.sources) ? r.data.sources : [];
    const taken = sources.length ? await existingNames() : new Set();
    body.replaceChildren(sources.length ? table(entry, sources, taken) : el('p', { className: 'muted' }, entry.empty));
    return;
  }
  // The API answers an unknown path with JSON code NOT_FOUND; a module that is there but has nothing answers
  // go2rtc's plain 404 ("no sources", "no hass config"); a module that is known but not built answers 501.
  if ((r.status === 404 && r.code === 'NOT_FOUND') || r.status === 501) {
    const detail = r.status === 501 && r.error ? ` (${r.error})` : '';
    body.replaceChildren(
      el('p', { className: 'banner warn', dataset: { state: 'unavailable' } }, `Not available: ${entry.why}${detail}`),
    );
    return;
  }
  if (r.status === 404 && entry.unconfigured?.test(r.error)) {
    body.replaceChildren(
      el(
        'p',
        { className: 'banner warn', dataset: { state: 'unconfigured' } },
        `Not connected: ${entry.unconfiguredText}`,
      ),
    );
    return;
  }
  if (r.status === 404) {
    body.replaceChildren(el('p', { className: 'muted', dataset: { state: 'empty' } }, `${entry.empty} (${r.error})`));
    return;
  }
  body.replaceChildren(el('p', { className: 'error' }, `Could not list: ${r.error}`));
}

const container = document.getElementById('discovery');
for (const entry of SOURCES) {
  const body = el('div', { className: 'body' });
  const header = el('header', {}, el('h2', {}, entry.title));
  if (!entry.auto) {
    const button = el('button', { type: 'button', className: 'secondary small' }, entry.probe ?? 'Load');
    button.addEventListener('click', () => load(entry, body));
    header.append(button);
  } else {
    const button = el('button', { type: 'button', className: 'secondary small', title: 'Look again' }, 'Refresh');
    button.addEventListener('click', () => load(entry, body));
    header.append(button);
  }
  const section = el(
    'section',
    { className: 'card', id: `source-${entry.id}` },
    header,
    entry.note ? el('p', { className: 'muted' }, entry.note) : null,
    body,
  );
  container.append(section);
  if (entry.auto) load(entry, body);
  else body.append(el('p', { className: 'muted' }, 'Not probed yet.'));
}

document.getElementById('by-url').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const status = document.getElementById('add-status');
  const name = form.elements.name.value.trim();
  const sources = form.elements.sources.value
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  status.textContent = 'Adding…';
  const result = await putStream(name, sources);
  if (result.ok) {
    status.replaceChildren('Added ', el('a', { href: `links.html?src=${encodeURIComponent(name)}` }, name), '.');
    form.reset();
  } else {
    status.textContent = `Failed: ${result.error}`;
  }
});

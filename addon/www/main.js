// The stream list page. Every URL is relative to the page, so the UI works at `/`, under `api.base_path`
// and behind Home Assistant Ingress alike. Text from the server is always set with textContent.

import { mountHeader } from './ui.js';

mountHeader('index');

const REFRESH_MS = 2000;

/**
 * Player and snapshot links per stream. Some endpoints come with later modules; each is probed once and
 * shown as "not available yet" rather than hidden, so the page says what the server cannot do.
 */
const LINKS = [
  { label: 'WebRTC', href: (src) => `stream.html?src=${src}&mode=webrtc`, probe: 'stream.html' },
  { label: 'MSE', href: (src) => `stream.html?src=${src}&mode=mse`, probe: 'stream.html' },
  { label: 'MJPEG', href: (src) => `stream.html?src=${src}&mode=mjpeg`, probe: 'stream.html' },
  { label: 'MP4', href: (src) => `api/stream.mp4?src=${src}`, probe: 'api/stream.mp4' },
  { label: 'Snapshot', href: (src) => `api/frame.jpeg?src=${src}`, probe: 'api/frame.jpeg' },
  { label: 'JSON', href: (src) => `api/streams?src=${src}`, probe: null },
];

const available = new Map();

/** An endpoint exists unless the server answers 404 with code NOT_FOUND (no such route). */
async function probe(path) {
  if (!available.has(path)) {
    available.set(
      path,
      // A redirect (stream.mp4 sends Safari to HLS) means the endpoint is there; it is not followed.
      fetch(path, { method: path.endsWith('.html') ? 'HEAD' : 'GET', cache: 'no-cache', redirect: 'manual' })
        .then(async (r) => {
          if (r.type === 'opaqueredirect' || r.status !== 404) return true;
          if (path.endsWith('.html')) return false;
          const body = await r.json().catch(() => ({}));
          return body.code !== 'NOT_FOUND';
        })
        .catch(() => false),
    );
  }
  return available.get(path);
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function bytes(n) {
  if (!n) return '0 B';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${i === 0 ? n : n.toFixed(1)} ${units[i]}`;
}

function codecText(codec) {
  if (!codec) return '?';
  let text = codec.codec_name;
  if (codec.sample_rate) text += `/${codec.sample_rate}`;
  if (codec.channels) text += `/${codec.channels}`;
  return text;
}

function trackLine(track, direction) {
  const parts = [`${direction} ${codecText(track.codec)}`, bytes(track.bytes), `${track.packets ?? 0} pkts`];
  if (track.drops) parts.push(`${track.drops} dropped`);
  return el('div', parts.join(' · '), 'tracks');
}

function producerItem(producer) {
  const li = el('li');
  const title = producer.format_name ? `${producer.format_name} ${producer.url ?? ''}` : `${producer.url} (idle)`;
  li.append(el('div', title));
  for (const receiver of producer.receivers ?? []) li.append(trackLine(receiver, '→'));
  if (producer.bytes_recv) li.append(el('div', `received ${bytes(producer.bytes_recv)}`, 'tracks'));
  if (producer.error) li.append(el('div', producer.error, 'error'));
  return li;
}

function consumerItem(consumer) {
  const li = el('li');
  const who = [consumer.format_name, consumer.remote_addr, consumer.user_agent].filter(Boolean).join(' · ');
  li.append(el('div', who));
  for (const sender of consumer.senders ?? []) li.append(trackLine(sender, '←'));
  if (consumer.error) li.append(el('div', consumer.error, 'error'));
  return li;
}

async function linkNodes(name, rtspPort) {
  const src = encodeURIComponent(name);
  const nodes = [];
  for (const link of LINKS) {
    const ok = link.probe === null || (await probe(link.probe));
    if (ok) {
      const a = el('a', link.label);
      a.href = link.href(src);
      a.target = '_blank';
      nodes.push(a);
    } else {
      const span = el('span', `${link.label} (not available yet)`, 'unavailable');
      nodes.push(span);
    }
  }
  if (rtspPort) {
    nodes.push(el('code', `rtsp://${location.hostname}:${rtspPort}/${name}`));
  } else {
    nodes.push(el('span', 'RTSP (server not running)', 'unavailable'));
  }
  return nodes;
}

const template = document.getElementById('stream-template');
const list = document.getElementById('streams');
let rtspPort = '';

async function render(streams) {
  const names = Object.keys(streams).sort();
  document.getElementById('empty').hidden = names.length > 0;
  const cards = [];
  for (const name of names) {
    const stream = streams[name] ?? {};
    const card = template.content.firstElementChild.cloneNode(true);
    const title = el('a', name);
    title.href = `links.html?src=${encodeURIComponent(name)}`;
    card.querySelector('.name').replaceChildren(title);
    card.querySelector('.remove').addEventListener('click', () => removeStream(name));
    card.querySelector('.links').append(...(await linkNodes(name, rtspPort)));
    const producers = card.querySelector('.producers');
    for (const p of stream.producers ?? []) producers.append(producerItem(p));
    const consumers = card.querySelector('.consumers');
    const items = stream.consumers ?? [];
    if (items.length === 0) consumers.append(el('li', 'none', 'muted'));
    for (const c of items) consumers.append(consumerItem(c));
    cards.push(card);
  }
  list.replaceChildren(...cards);
}

async function refresh() {
  try {
    const r = await fetch('api/streams', { cache: 'no-cache' });
    if (r.ok) await render(await r.json());
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

async function removeStream(name) {
  if (!confirm(`Remove stream "${name}"? It is also removed from the config file.`)) return;
  const r = await fetch(`api/streams?src=${encodeURIComponent(name)}`, { method: 'DELETE' });
  if (!r.ok) alert(`Remove failed: ${await errorText(r)}`);
  await refreshOnce();
}

async function refreshOnce() {
  const r = await fetch('api/streams', { cache: 'no-cache' });
  if (r.ok) await render(await r.json());
}

async function errorText(response) {
  const text = await response.text();
  try {
    const body = JSON.parse(text);
    return body.code ? `${body.error} (${body.code})` : text;
  } catch {
    return text || response.statusText;
  }
}

document.getElementById('add').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const status = document.getElementById('add-status');
  const name = form.elements.name.value.trim();
  const sources = form.elements.sources.value
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  const query = new URLSearchParams({ name });
  for (const src of sources) query.append('src', src);
  status.textContent = 'Adding…';
  const r = await fetch(`api/streams?${query}`, { method: 'PUT' });
  status.textContent = r.ok ? `Added ${name}.` : `Failed: ${await errorText(r)}`;
  if (r.ok) form.reset();
  await refreshOnce();
});

fetch('api', { cache: 'no-cache' })
  .then((r) => r.json())
  .then((info) => {
    const parts = [info.ts2rtc ? `${info.ts2rtc} (go2rtc API ${info.version})` : `version ${info.version}`];
    if (info.config_path) parts.push(`config ${info.config_path}`);
    document.getElementById('info').textContent = parts.join(' · ');
    const listen = info.rtsp?.listen;
    if (typeof listen === 'string' && listen.includes(':')) rtspPort = listen.slice(listen.lastIndexOf(':') + 1);
  })
  .catch((err) => {
    document.getElementById('info').textContent = `server info unavailable: ${err.message}`;
  })
  .finally(refresh);

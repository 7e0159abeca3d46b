// The stream page (`links.html?src=<name>`, go2rtc's name for it): a player, the stream's producers and
// consumers with live stats (bitrate computed from the byte counters between two polls), the links to
// copy, and the microphone (two-way audio) button.
import './video-rtc.js';
import './player-webrtc.js';
import { copyButton, el, formatBitrate, formatBytes, getJson, mountHeader, rtspBase, serverInfo } from './ui.js';

mountHeader('');

const STATS_MS = 1000;
const params = new URLSearchParams(location.search);
const src = params.get('src') ?? '';
const mode = params.get('mode');
const q = encodeURIComponent(src);

document.title = `${src} - ts2rtc`;
document.getElementById('name').textContent = src || '(no stream given)';

/** Byte counters of the previous poll, by connection and track, to turn them into rates. */
let previous = new Map();
let previousAt = 0;

function absolute(relative) {
  return new URL(relative, location.href).href;
}

function linkRows(info) {
  const rows = [
    ['WebRTC player', absolute(`stream.html?src=${q}&mode=webrtc`)],
    ['MSE player', absolute(`stream.html?src=${q}&mode=mse`)],
    ['MJPEG player', absolute(`stream.html?src=${q}&mode=mjpeg`)],
    ['Snapshot (JPEG)', absolute(`api/frame.jpeg?src=${q}`)],
    ['Snapshot (MP4)', absolute(`api/frame.mp4?src=${q}`)],
    ['MP4 stream', absolute(`api/stream.mp4?src=${q}`)],
    ['MJPEG stream', absolute(`api/stream.mjpeg?src=${q}`)],
    ['WebRTC API (WHEP)', absolute(`api/webrtc?src=${q}`)],
    ['Stream info (JSON)', absolute(`api/streams?src=${q}`)],
  ];
  const rtsp = rtspBase(info);
  if (rtsp) {
    rows.unshift(['RTSP', `${rtsp}/${src}`]);
    rows.push(['ffplay', `ffplay -fflags nobuffer -flags low_delay -rtsp_transport tcp "${rtsp}/${src}"`]);
  } else {
    rows.unshift(['RTSP', '']);
  }
  return rows.map(([label, url]) => {
    if (!url)
      return el(
        'div',
        { className: 'link-row' },
        el('span', { className: 'label' }, label),
        el('span', { className: 'muted' }, 'the RTSP server is off'),
      );
    const code = el('code', {}, url);
    const open = /^https?:/.test(url) ? el('a', { href: url, target: '_blank', rel: 'noopener' }, 'Open') : null;
    return el(
      'div',
      { className: 'link-row' },
      el('span', { className: 'label' }, label),
      code,
      copyButton(() => url, code),
      open,
    );
  });
}

function codecText(codec) {
  if (!codec) return '?';
  let text = codec.codec_name ?? '?';
  if (codec.sample_rate) text += `/${codec.sample_rate}`;
  if (codec.channels) text += `/${codec.channels}`;
  return text;
}

function rate(key, bytes, now) {
  const before = previous.get(key);
  const seconds = (now - previousAt) / 1000;
  if (before === undefined || seconds <= 0 || bytes < before) return '';
  return formatBitrate(((bytes - before) * 8) / seconds);
}

function trackRows(connection, tracks, kind, now, next) {
  const who = [connection.format_name, connection.protocol, connection.remote_addr].filter(Boolean).join(' · ');
  const title = connection.url ?? connection.source ?? '';
  const rtt = connection.rtt_ms ?? connection.rtt;
  if (tracks.length === 0) {
    return [
      el(
        'tr',
        { dataset: { id: connection.id ?? '' } },
        el('td', {}, el('div', {}, who || (title ? 'idle' : '')), el('div', { className: 'mono muted' }, title)),
        el(
          'td',
          { colSpan: '6', className: connection.error ? 'error' : 'muted' },
          connection.error ?? 'not connected',
        ),
      ),
    ];
  }
  return tracks.map((track, i) => {
    const key = `${kind}:${connection.id}:${track.id}`;
    next.set(key, track.bytes ?? 0);
    return el(
      'tr',
      { dataset: { id: connection.id ?? '', track: track.id } },
      el(
        'td',
        {},
        i === 0 ? el('div', {}, who) : '',
        i === 0
          ? el('div', { className: 'mono muted' }, [title, connection.user_agent].filter(Boolean).join(' · '))
          : '',
      ),
      el('td', {}, codecText(track.codec)),
      el('td', { className: 'num bitrate' }, rate(key, track.bytes ?? 0, now)),
      el('td', { className: 'num bytes' }, formatBytes(track.bytes ?? 0)),
      el('td', { className: 'num packets' }, String(track.packets ?? 0)),
      el(
        'td',
        { className: `num drops${track.drops ? ' warn' : ''}` },
        kind === 'consumer' ? String(track.drops ?? 0) : '',
      ),
      el('td', { className: 'num rtt' }, i === 0 && rtt !== undefined ? `${rtt} ms` : ''),
    );
  });
}

function statsTable(table, connections, kind, now, next) {
  const head = el(
    'tr',
    {},
    el('th', {}, kind === 'producer' ? 'source' : 'viewer'),
    el('th', {}, 'codec'),
    el('th', { className: 'num' }, 'bitrate'),
    el('th', { className: 'num' }, 'bytes'),
    el('th', { className: 'num' }, 'packets'),
    el('th', { className: 'num' }, kind === 'consumer' ? 'drops' : ''),
    el('th', { className: 'num' }, 'RTT'),
  );
  const rows = connections.flatMap((c) =>
    trackRows(c, (kind === 'producer' ? c.receivers : c.senders) ?? [], kind, now, next),
  );
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colSpan: '7', className: 'muted' }, 'none')));
  table.replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
}

async function refresh() {
  const r = await getJson(`api/streams?src=${q}`);
  const missing = document.getElementById('missing');
  if (!r.ok) {
    missing.className = 'banner error';
    missing.textContent = r.status === 404 ? `No stream named "${src}".` : `Stream info unavailable: ${r.error}`;
    missing.hidden = false;
    return;
  }
  missing.hidden = true;
  const now = performance.now();
  const next = new Map();
  statsTable(document.getElementById('producers'), r.data?.producers ?? [], 'producer', now, next);
  statsTable(document.getElementById('consumers'), r.data?.consumers ?? [], 'consumer', now, next);
  previous = next;
  previousAt = now;
}

const player = document.createElement('video-stream');
if (mode) player.mode = mode;
document.getElementById('player').append(player);
if (src) player.src = new URL(`api/ws?src=${q}`, location.href);

const micButton = document.getElementById('mic');
const micNote = document.getElementById('mic-note');
if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) {
  micButton.disabled = true;
  micNote.className = 'banner warn';
  micNote.textContent =
    'Talking needs the microphone, and browsers give it only to pages opened over HTTPS (or on localhost). ' +
    'Open Home Assistant through https:// to use two-way audio.';
} else {
  micNote.textContent = 'Talk sends your microphone to the camera over WebRTC (cameras with two-way audio).';
  micButton.addEventListener('click', () => {
    // The microphone travels on WebRTC only; the player reconnects with it and asks for permission.
    if (!player.mode.includes('webrtc')) player.mode = 'webrtc';
    if (!player.media.includes('microphone')) player.media += ',microphone';
    micButton.textContent = 'Talking…';
    micButton.disabled = true;
    player.restart();
  });
}

serverInfo().then((info) => document.getElementById('links').replaceChildren(...linkRows(info)));
refresh();
setInterval(refresh, STATS_MS);

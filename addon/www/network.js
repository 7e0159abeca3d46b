// The network page: listen addresses (configured and bound), the WebRTC candidates in effect and the ICE
// servers, from `GET api/network` (read-only; credentials masked by the server).
import { el, getJson, mountHeader } from './ui.js';

mountHeader('network');

function table(id, head, rows, empty) {
  const body = rows.length
    ? rows.map((cells) => el('tr', {}, ...cells.map((c) => el('td', {}, c))))
    : [el('tr', {}, el('td', { colspan: head.length, className: 'muted' }, empty))];
  document
    .getElementById(id)
    .replaceChildren(el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))), el('tbody', {}, ...body));
}

function code(text) {
  return text ? el('code', {}, text) : el('span', { className: 'muted' }, 'off');
}

function bound(address) {
  return address ? `${address.host}:${address.port}` : '';
}

async function load() {
  const r = await getJson('api/network');
  if (!r.ok) {
    const box = document.getElementById('error');
    box.className = 'banner error';
    box.textContent = `Network info unavailable: ${r.error}`;
    box.hidden = false;
    return;
  }
  const n = r.data;
  table(
    'listen',
    ['service', 'configured', 'bound', 'note'],
    [
      [
        'HTTP API and this panel',
        code(n.api.listen),
        bound(n.api.bound?.http),
        n.api.base_path ? `base path ${n.api.base_path}` : '',
      ],
      ['HTTPS API', code(n.api.tls_listen), bound(n.api.bound?.tls), ''],
      ['API unix socket', code(n.api.unix_listen), n.api.bound?.unix ?? '', ''],
      ['RTSP', code(n.rtsp.listen), '', `default query ${n.rtsp.default_query}`],
      [
        'WebRTC (shared by every viewer)',
        code(n.webrtc.listen),
        [
          n.webrtc.tcp_port != null ? `tcp :${n.webrtc.tcp_port}` : '',
          n.webrtc.udp_port != null ? `udp :${n.webrtc.udp_port}` : '',
        ]
          .filter(Boolean)
          .join(', '),
        n.webrtc.udp_port != null ? '' : 'UDP uses a random port per viewer',
      ],
      ['SRTP (HomeKit)', code(n.srtp.listen), '', ''],
      ['RTMP', code(n.rtmp.listen), '', ''],
    ],
    '',
  );
  const candidates = [];
  for (const entry of n.webrtc.candidates ?? []) {
    candidates.push([
      el('code', {}, entry),
      entry.startsWith('stun:')
        ? 'configured: public address found through STUN at each offer'
        : 'configured (webrtc.candidates)',
    ]);
  }
  for (const address of n.webrtc.udp_host_addresses ?? []) {
    candidates.push([
      el('code', {}, `${address}:${n.webrtc.udp_port ?? ''} udp`),
      'host address (after webrtc.filters)',
    ]);
  }
  for (const address of n.webrtc.host_addresses ?? []) {
    candidates.push([
      el('code', {}, `${address}:${n.webrtc.tcp_port ?? ''} tcp`),
      'host address (after webrtc.filters)',
    ]);
  }
  if (n.webrtc.error) candidates.push([el('span', { className: 'error' }, n.webrtc.error), '']);
  table(
    'candidates',
    ['candidate', 'from'],
    candidates,
    'none: WebRTC works only where the browser reaches a host address on its own',
  );
  table(
    'ice',
    ['URLs', 'username', 'credential'],
    (n.webrtc.ice_servers ?? []).map((s) => [el('code', {}, s.urls.join(', ')), s.username ?? '', s.credential ?? '']),
    'none (webrtc.ice_servers: [])',
  );
}

load();

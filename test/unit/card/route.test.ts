import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamConfig } from '../../../custom_cards/src/config.js';
import { ConnectError } from '../../../custom_cards/src/errors.js';
import { MicGesture } from '../../../custom_cards/src/mic-button.js';
import { summarise } from '../../../custom_cards/src/player/reasons.js';
import { chooseRoute, directWsUrl, posterUrl, proxyWsUrl } from '../../../custom_cards/src/route.js';
import { hasTemplate, renderText, renderValue } from '../../../custom_cards/src/templates.js';

const stream = (s: Partial<StreamConfig>): StreamConfig => ({
  name: 'S0',
  url: '',
  entity: '',
  modes: ['webrtc'],
  media: ['video'],
  ...s,
});

function connectError(fn: () => unknown): ConnectError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConnectError);
    return err;
  }
  assert.fail('did not throw');
}

describe('card route: where the socket goes', () => {
  it("ts2rtc integration first, then AlexxIT's webrtc, then the server directly", () => {
    assert.deepEqual(chooseRoute(['http', 'ts2rtc', 'webrtc'], stream({ url: 'door' }), undefined), {
      kind: 'proxy',
      integration: 'ts2rtc',
      path: '/api/ts2rtc/ws',
    });
    assert.deepEqual(chooseRoute(['webrtc'], stream({ entity: 'camera.x' }), 'http://h:1984'), {
      kind: 'proxy',
      integration: 'webrtc',
      path: '/api/webrtc/ws',
    });
    assert.deepEqual(chooseRoute([], stream({ url: 'door' }), 'http://10.0.0.2:1984'), {
      kind: 'direct',
      wsUrl: 'ws://10.0.0.2:1984/api/ws?src=door',
    });
  });

  it('errors: entity without an integration, nothing to connect to, empty stream', () => {
    const entity = connectError(() => chooseRoute([], stream({ entity: 'camera.door' }), 'http://h:1984'));
    assert.equal(entity.code, 'CONNECT_ENTITY_NEEDS_INTEGRATION');
    assert.match(entity.message, /camera\.door needs the ts2rtc integration/);
    assert.equal(
      connectError(() => chooseRoute(undefined, stream({ url: 'door' }), undefined)).code,
      'CONNECT_NO_SERVER',
    );
    assert.equal(connectError(() => chooseRoute(['ts2rtc'], stream({}), undefined)).code, 'CONNECT_NOTHING_TO_PLAY');
  });

  it('direct URLs: base path kept, https → wss, the source encoded', () => {
    assert.equal(
      directWsUrl('https://cams.example/go2rtc', 'rtsp://u:p@1.2.3.4/s?x=1&y=2'),
      'wss://cams.example/go2rtc/api/ws?src=rtsp%3A%2F%2Fu%3Ap%401.2.3.4%2Fs%3Fx%3D1%26y%3D2',
    );
    assert.equal(directWsUrl('http://h:1984/', 'a b'), 'ws://h:1984/api/ws?src=a+b');
  });

  it("proxy URLs: AlexxIT's query (entity wins over url, server appended)", () => {
    const signed = 'https://ha.local:8123/api/ts2rtc/ws?authSig=abc.def.ghi';
    assert.equal(
      proxyWsUrl(signed, stream({ url: 'rtsp://x/1?a=b' }), undefined),
      'wss://ha.local:8123/api/ts2rtc/ws?authSig=abc.def.ghi&url=rtsp%3A%2F%2Fx%2F1%3Fa%3Db',
    );
    assert.equal(
      proxyWsUrl(signed, stream({ url: 'door', entity: 'camera.door' }), 'http://h:1984/'),
      'wss://ha.local:8123/api/ts2rtc/ws?authSig=abc.def.ghi&entity=camera.door&server=http%3A%2F%2Fh%3A1984%2F',
    );
  });

  it('poster: remote as is; through the proxy with &poster=; direct from api/frame.jpeg', () => {
    const proxy = { kind: 'proxy', integration: 'ts2rtc', path: '/api/ts2rtc/ws' } as const;
    const direct = { kind: 'direct', wsUrl: 'ws://h:1984/api/ws?src=a' } as const;
    assert.equal(
      posterUrl('https://x/p.png', true, proxy, 'http://ha/api/ts2rtc/ws?authSig=s', undefined),
      'https://x/p.png',
    );
    assert.equal(
      posterUrl('camera.door', false, proxy, 'http://ha/api/ts2rtc/ws?authSig=s', undefined),
      'http://ha/api/ts2rtc/ws?authSig=s&poster=camera.door',
    );
    assert.equal(
      posterUrl('door-snap', false, direct, undefined, 'http://h:1984'),
      'http://h:1984/api/frame.jpeg?src=door-snap',
    );
    assert.equal(posterUrl(undefined, false, direct, undefined, 'http://h:1984'), undefined);
  });
});

describe('microphone button gesture', () => {
  it('a click toggles', () => {
    const g = new MicGesture(300);
    assert.equal(g.press(0, false), true, 'on at once');
    assert.equal(g.release(100), true, 'a click from off leaves it on');
    g.press(1000, true);
    assert.equal(g.release(1100), false, 'a click from on turns it off');
  });

  it('a held press is push-to-talk: on while held, back to off on release', () => {
    const g = new MicGesture(300);
    assert.equal(g.press(0, false), true);
    assert.equal(g.pressed, true);
    assert.equal(g.release(800), false);
    assert.equal(g.pressed, false);
    g.press(0, true);
    assert.equal(g.release(800), true, 'held while already on: stays on');
    assert.equal(g.release(900), undefined, 'a release without a press changes nothing');
  });
});

describe('AlexxIT templates and failure summaries', () => {
  const scope = { states: { 'light.porch': { state: 'on' } }, streamName: 'HD', streamID: 1 };
  it('renders ${...} with states and this.streamName/streamID; leaves plain text alone', () => {
    assert.equal(
      renderText("${ states['light.porch'].state === 'on' ? 'mdi:lamp' : 'mdi:lamp-off' }", scope),
      'mdi:lamp',
    );
    assert.equal(renderText('Left for ${ this.streamName } (${ this.streamID })', scope), 'Left for HD (1)');
    assert.equal(renderText('.mode {display: none}', scope), '.mode {display: none}');
    assert.equal(renderText('${ nope.nope }', scope), '${ nope.nope }', 'a failing template stays as written');
    assert.deepEqual(renderValue({ message: '${ this.streamName }', n: 1 }, scope), { message: 'HD', n: 1 });
    assert.equal(hasTemplate({ a: ['${x}'] }), true);
    assert.equal(hasTemplate(undefined), false);
  });

  it('summarise: the server reason all techniques gave, without prefixes; else the first', () => {
    assert.equal(
      summarise([
        'webrtc/offer: stream not found',
        'mse: stream not found',
        'hls: no answer from the server',
        'mjpeg: stream not found',
      ]),
      'stream not found',
    );
    assert.equal(summarise(['webrtc: no picture', 'mse: codecs not supported']), 'webrtc: no picture');
    assert.equal(summarise(['mse: stream not found']), 'stream not found');
    assert.equal(summarise([]), '');
  });
});

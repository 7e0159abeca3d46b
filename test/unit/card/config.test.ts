import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_INTERSECTION, parseConfig, stubConfig, type CardConfig } from '../../../custom_cards/src/config.js';
import { CardConfigError } from '../../../custom_cards/src/errors.js';

/** Runs parseConfig and returns the CardConfigError it throws (fails when it does not throw one). */
function rejects(raw: unknown): CardConfigError {
  try {
    parseConfig(raw);
  } catch (err) {
    assert.ok(err instanceof CardConfigError, `not a CardConfigError: ${String(err)}`);
    return err;
  }
  assert.fail(`accepted ${JSON.stringify(raw)}`);
}

const TYPE = { type: 'custom:webrtc-camera' };

describe('card config: defaults and every key', () => {
  it("url alone: AlexxIT's defaults", () => {
    const c = parseConfig({ ...TYPE, url: 'rtsp://rtsp:12345678@192.168.1.123:554/av_stream/ch0' });
    assert.deepEqual(c.streams, [
      {
        name: 'S0',
        url: 'rtsp://rtsp:12345678@192.168.1.123:554/av_stream/ch0',
        entity: '',
        modes: ['webrtc', 'mse', 'hls', 'mjpeg'],
        media: ['video', 'audio'],
      },
    ]);
    const rest: Omit<CardConfig, 'streams'> & { streams?: unknown } = { ...c };
    delete rest.streams;
    assert.deepEqual(rest, {
      server: undefined,
      title: '',
      poster: undefined,
      posterRemote: false,
      muted: false,
      intersection: DEFAULT_INTERSECTION,
      ui: false,
      style: '',
      background: false,
      ptz: null,
      shortcuts: [],
      microphoneMuted: false,
      digitalPtz: {
        mouse_drag_pan: true,
        mouse_wheel_zoom: true,
        mouse_double_click_zoom: true,
        touch_pinch_zoom: true,
        touch_drag_pan: true,
        touch_tap_drag_zoom: true,
        persist: true,
      },
    });
  });

  it('entity; a stream named by digits (YAML number) is text', () => {
    assert.equal(parseConfig({ ...TYPE, entity: 'camera.generic_stream' }).streams[0]?.entity, 'camera.generic_stream');
    assert.equal(parseConfig({ ...TYPE, url: 1234 }).streams[0]?.url, '1234');
  });

  it('mode: comma list or YAML list, any case; fallback set; webrtc/tcp; mse:false and webrtc:false', () => {
    assert.deepEqual(parseConfig({ ...TYPE, url: 'a', mode: 'webrtc,webrtc/tcp,mse,hls,mjpeg' }).streams[0]?.modes, [
      'webrtc',
      'webrtc/tcp',
      'mse',
      'hls',
      'mjpeg',
    ]);
    assert.deepEqual(parseConfig({ ...TYPE, url: 'a', mode: ['MSE', ' mjpeg '] }).streams[0]?.modes, ['mse', 'mjpeg']);
    assert.deepEqual(parseConfig({ ...TYPE, url: 'a', mse: false }).streams[0]?.modes, ['webrtc']);
    assert.deepEqual(parseConfig({ ...TYPE, url: 'a', webrtc: false }).streams[0]?.modes, ['mse']);
    assert.deepEqual(
      parseConfig({ ...TYPE, url: 'a', webrtc: false, mode: 'mjpeg' }).streams[0]?.modes,
      ['mjpeg'],
      'an explicit mode wins',
    );
  });

  it('media, muted, title, ui, style, background, microphone_muted', () => {
    const c = parseConfig({
      ...TYPE,
      url: 'a',
      media: 'video,audio,microphone',
      muted: true,
      title: 'Door',
      ui: true,
      style: '.mode {display: none}',
      background: true,
      microphone_muted: true,
    });
    assert.deepEqual(c.streams[0]?.media, ['video', 'audio', 'microphone']);
    assert.equal(c.muted, true);
    assert.equal(c.title, 'Door');
    assert.equal(c.ui, true);
    assert.equal(c.style, '.mode {display: none}');
    assert.equal(c.background, true);
    assert.equal(c.microphoneMuted, true);
  });

  it('server: an http(s) URL (ws too), blank = none', () => {
    assert.equal(
      parseConfig({ ...TYPE, url: 'a', server: 'http://192.168.1.123:1984/' }).server,
      'http://192.168.1.123:1984/',
    );
    assert.equal(
      parseConfig({ ...TYPE, url: 'a', server: 'wss://cams.example/go2rtc' }).server,
      'wss://cams.example/go2rtc',
    );
    assert.equal(parseConfig({ ...TYPE, url: 'a', server: '  ' }).server, undefined);
  });

  it("poster: remote when it is a URL or a path (AlexxIT's rule), else a stream/entity the server renders", () => {
    assert.equal(
      parseConfig({ ...TYPE, url: 'a', poster: 'https://home-assistant.io/images/cast/splash.png' }).posterRemote,
      true,
    );
    assert.equal(parseConfig({ ...TYPE, url: 'a', poster: '/local/door.jpg' }).posterRemote, true);
    assert.equal(parseConfig({ ...TYPE, url: 'a', poster: 'dahua1-snap' }).posterRemote, false);
    assert.equal(parseConfig({ ...TYPE, url: 'a', poster: 'camera.door' }).posterRemote, false);
    assert.equal(parseConfig({ ...TYPE, url: 'a', poster: 'camera.door', poster_remote: true }).posterRemote, true);
  });

  it('intersection: 0 = always, 0..1, default 0.75', () => {
    assert.equal(parseConfig({ ...TYPE, url: 'a', intersection: 0 }).intersection, 0);
    assert.equal(parseConfig({ ...TYPE, url: 'a', intersection: 0.5 }).intersection, 0.5);
    assert.equal(parseConfig({ ...TYPE, url: 'a' }).intersection, 0.75);
  });

  it('digital_ptz: false disables, an object overrides the defaults, persist may be a key', () => {
    assert.equal(parseConfig({ ...TYPE, url: 'a', digital_ptz: false }).digitalPtz, null);
    const d = parseConfig({ ...TYPE, url: 'a', digital_ptz: { mouse_wheel_zoom: false, persist: 'door' } }).digitalPtz;
    assert.equal(d?.mouse_wheel_zoom, false);
    assert.equal(d?.mouse_drag_pan, true);
    assert.equal(d?.persist, 'door');
  });

  it("streams: each with name/url/entity/mode/media, inheriting the card's mode and media", () => {
    const c = parseConfig({
      ...TYPE,
      mode: 'webrtc,mse',
      streams: [
        { url: 'go2rtc_stream_hd', name: 'HD', mode: 'webrtc', media: 'video' },
        { url: 'go2rtc_stream_sd', name: 'SD' },
        { entity: 'camera.x' },
      ],
    });
    assert.deepEqual(c.streams, [
      { name: 'HD', url: 'go2rtc_stream_hd', entity: '', modes: ['webrtc'], media: ['video'] },
      { name: 'SD', url: 'go2rtc_stream_sd', entity: '', modes: ['webrtc', 'mse'], media: ['video', 'audio'] },
      { name: 'S2', url: '', entity: 'camera.x', modes: ['webrtc', 'mse'], media: ['video', 'audio'] },
    ]);
  });

  it('ptz: service, opacity (number or text), every data_<phase><direction>; no service = no controls', () => {
    const c = parseConfig({
      ...TYPE,
      url: 'a',
      ptz: {
        service: 'onvif.ptz',
        opacity: '0.6',
        data_left: { pan: 'LEFT' },
        data_start_up: { tilt: 'UP' },
        data_end_up: { move_mode: 'Stop' },
        data_long_zoom_in: { zoom: 'ZOOM_IN' },
        data_home: { preset: 1 },
      },
    });
    assert.equal(c.ptz?.service, 'onvif.ptz');
    assert.equal(c.ptz?.opacity, 0.6);
    assert.deepEqual(Object.keys(c.ptz?.data ?? {}).sort(), [
      'data_end_up',
      'data_home',
      'data_left',
      'data_long_zoom_in',
      'data_start_up',
    ]);
    assert.equal(parseConfig({ ...TYPE, url: 'a', ptz: { data_left: { a: 1 } } }).ptz, null);
  });

  it('shortcuts: name, icon, service, service_data, more_info', () => {
    const c = parseConfig({
      ...TYPE,
      url: 'a',
      shortcuts: [
        {
          name: 'Record',
          icon: 'mdi:record-circle-outline',
          service: 'switch.toggle',
          service_data: { entity_id: 'switch.camera_record' },
        },
        { name: 'Info', icon: 'mdi:information', more_info: 'camera.door' },
      ],
    });
    assert.deepEqual(c.shortcuts, [
      {
        name: 'Record',
        icon: 'mdi:record-circle-outline',
        service: 'switch.toggle',
        service_data: { entity_id: 'switch.camera_record' },
        more_info: undefined,
      },
      { name: 'Info', icon: 'mdi:information', service: undefined, service_data: {}, more_info: 'camera.door' },
    ]);
  });

  it("Lovelace's own keys on any card are accepted (view_layout, grid_options, visibility, card_mod)", () => {
    parseConfig({
      ...TYPE,
      url: 'a',
      view_layout: { position: 'main' },
      grid_options: { columns: 12 },
      layout_options: {},
      visibility: [],
      card_mod: { style: '' },
    });
  });

  it('the stub config is valid', () => {
    parseConfig({ ...TYPE, ...stubConfig() });
  });
});

describe('card config: AlexxIT-style configs taken as they are', () => {
  // The examples of AlexxIT/WebRTC's README (the card section), key for key.
  it('"Full": every documented key at once', () => {
    const c = parseConfig({
      type: 'custom:webrtc-camera',
      url: 'rtsp://rtsp:12345678@192.168.1.123:554/av_stream/ch0',
      entity: 'camera.generic_stream',
      mode: 'webrtc,webrtc/tcp,mse,hls,mjpeg',
      media: 'video,audio',
      server: 'http://192.168.1.123:1984/',
      ui: true,
      digital_ptz: {
        mouse_drag_pan: true,
        mouse_wheel_zoom: true,
        mouse_double_click_zoom: true,
        touch_drag_pan: true,
        touch_pinch_zoom: true,
        touch_tap_drag_zoom: true,
        persist: true,
      },
      title: 'My super camera',
      poster: 'https://home-assistant.io/images/cast/splash.png',
      muted: true,
      intersection: 0.75,
      background: true,
      shortcuts: [
        {
          name: 'Record',
          icon: 'mdi:record-circle-outline',
          service: 'switch.toggle',
          service_data: { entity_id: 'switch.camera_record' },
        },
      ],
    });
    assert.equal(c.streams[0]?.entity, 'camera.generic_stream');
    assert.equal(c.streams[0]?.url, 'rtsp://rtsp:12345678@192.168.1.123:554/av_stream/ch0');
    assert.equal(c.server, 'http://192.168.1.123:1984/');
  });

  it('"Paused by default": an empty url stream only shows the poster', () => {
    const c = parseConfig({
      type: 'custom:webrtc-camera',
      poster: 'dahua1-snap',
      streams: [{ url: '' }, { url: 'dahua1' }],
    });
    assert.equal(c.streams[0]?.url, '');
    assert.equal(c.streams[1]?.url, 'dahua1');
  });

  it('two-way audio: a second stream with microphone', () => {
    const c = parseConfig({
      type: 'custom:webrtc-camera',
      streams: [{ url: 'go2rtc_stream' }, { url: 'go2rtc_stream', mode: 'webrtc', media: 'video,audio,microphone' }],
    });
    assert.deepEqual(c.streams[1]?.media, ['video', 'audio', 'microphone']);
  });

  it('templates in shortcuts, style and ptz are kept for rendering', () => {
    const c = parseConfig({
      type: 'custom:webrtc-camera',
      url: 'a',
      style: '.mode {display: ${ states["light.porch"].state === "on" ? "none" : "block" }}',
      shortcuts: [
        {
          name: 'Barn Light',
          icon: "${ states['light.yeelight_lamp'].state === 'on' ? 'mdi:outdoor-lamp':'mdi:lamp' }",
          service: 'light.toggle',
          service_data: { entity_id: 'light.yeelight_lamp' },
        },
      ],
      ptz: {
        service: 'notify.persistent_notification',
        data_left: { message: 'Left for ${ this.streamName } clicked' },
        data_right: { message: 'Rigth for ${ this.streamID } clicked' },
      },
    });
    assert.match(c.style, /\$\{ states/);
    assert.match(c.shortcuts[0]?.icon ?? '', /\$\{ states/);
    assert.deepEqual(c.ptz?.data['data_left'], { message: 'Left for ${ this.streamName } clicked' });
  });

  it('style examples (aspect ratio, rotation, hiding parts, positions)', () => {
    for (const style of [
      'video {aspect-ratio: 16/9; object-fit: fill;}',
      'video {transform: rotate(90deg); aspect-ratio: 1}',
      '.fullscreen {display: none}',
      '.header {top: unset; bottom: 6px}',
    ]) {
      assert.equal(parseConfig({ type: 'custom:webrtc-camera', url: 'a', style }).style, style);
    }
  });
});

describe('card config: errors name the key', () => {
  it('an unknown top-level key, with a did-you-mean', () => {
    const e = rejects({ ...TYPE, urll: 'a', url: 'a' });
    assert.equal(e.code, 'CONFIG_UNKNOWN_KEY');
    assert.equal(e.key, 'urll');
    assert.match(e.message, /unknown key `urll` \(did you mean `url`\?\)/);
    assert.equal(
      rejects({ ...TYPE, url: 'a', intersecton: 0 }).message,
      'webrtc-camera: unknown key `intersecton` (did you mean `intersection`?)',
    );
    assert.equal(rejects({ ...TYPE, url: 'a', zzz: 1 }).message, 'webrtc-camera: unknown key `zzz`');
  });

  it('unknown nested keys: streams[i], ptz, digital_ptz, shortcuts[i]', () => {
    assert.equal(rejects({ ...TYPE, streams: [{ url: 'a' }, { url: 'b', mdia: 'video' }] }).key, 'streams[1].mdia');
    assert.equal(rejects({ ...TYPE, url: 'a', ptz: { service: 'onvif.ptz', data_lef: {} } }).key, 'ptz.data_lef');
    assert.equal(rejects({ ...TYPE, url: 'a', digital_ptz: { zoom: true } }).key, 'digital_ptz.zoom');
    assert.equal(rejects({ ...TYPE, url: 'a', shortcuts: [{ name: 'x', servce: 'a.b' }] }).key, 'shortcuts[0].servce');
  });

  it('bad values: mode item, media item, intersection range, booleans, server, style, lists', () => {
    const mode = rejects({ ...TYPE, url: 'a', mode: 'webrtc,rtsp' });
    assert.equal(mode.code, 'CONFIG_INVALID_VALUE');
    assert.equal(mode.key, 'mode');
    assert.match(mode.message, /unknown item "rtsp"/);
    assert.equal(rejects({ ...TYPE, url: 'a', media: 'video,speaker' }).key, 'media');
    assert.equal(rejects({ ...TYPE, streams: [{ url: 'a', mode: 'x' }] }).key, 'streams[0].mode');
    assert.equal(rejects({ ...TYPE, url: 'a', mode: '' }).key, 'mode');
    assert.equal(rejects({ ...TYPE, url: 'a', intersection: 2 }).key, 'intersection');
    assert.equal(rejects({ ...TYPE, url: 'a', intersection: '0.5' }).key, 'intersection');
    assert.equal(
      rejects({ ...TYPE, url: 'a', muted: 'yes' }).message,
      'webrtc-camera: `muted` must be true or false, not string "yes"',
    );
    assert.equal(rejects({ ...TYPE, url: 'a', server: '192.168.1.123:1984' }).key, 'server');
    assert.equal(rejects({ ...TYPE, url: 'a', server: 'ftp://x' }).key, 'server');
    assert.equal(rejects({ ...TYPE, url: 'a', style: { video: 1 } }).key, 'style');
    assert.equal(rejects({ ...TYPE, streams: [] }).key, 'streams');
    assert.equal(rejects({ ...TYPE, streams: ['a'] }).key, 'streams[0]');
    assert.equal(rejects({ ...TYPE, url: 'a', shortcuts: {} }).key, 'shortcuts');
    assert.equal(rejects({ ...TYPE, url: 'a', ptz: { service: 'onvif.ptz', opacity: 5 } }).key, 'ptz.opacity');
    assert.equal(rejects({ ...TYPE, url: 'a', ptz: { service: 'not a service' } }).key, 'ptz.service');
    assert.equal(rejects({ ...TYPE, url: 'a', ptz: { service: 'onvif.ptz', data_left: 'LEFT' } }).key, 'ptz.data_left');
    assert.equal(rejects({ ...TYPE, url: 'a', url2: 1 }).code, 'CONFIG_UNKNOWN_KEY');
    assert.equal(rejects({ ...TYPE, url: ['a'] }).key, 'url');
  });

  it('no source; not an object', () => {
    const missing = rejects({ ...TYPE });
    assert.equal(missing.code, 'CONFIG_MISSING_SOURCE');
    assert.equal(missing.message, 'webrtc-camera: missing `url` or `entity` or `streams`');
    assert.equal(
      rejects({ ...TYPE, url: '' }).code,
      'CONFIG_MISSING_SOURCE',
      'AlexxIT\'s stub {url: ""} is refused by his card too',
    );
    assert.equal(rejects(null).code, 'CONFIG_NOT_OBJECT');
    assert.equal(rejects([]).code, 'CONFIG_NOT_OBJECT');
  });
});

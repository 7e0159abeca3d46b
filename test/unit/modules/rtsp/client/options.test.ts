import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  backchannelEnabled,
  clientError,
  maskUrl,
  parseRtspSourceOptions,
} from '../../../../../addon/src/modules/rtsp/client/options.js';
import { parseSourceUrl } from '../../../../../addon/src/modules/streams/source-url.js';

const parse = (raw: string) => parseRtspSourceOptions(parseSourceUrl(raw));

describe('rtsp client options (go2rtc names)', () => {
  it('defaults: TCP, backchannel, no media filter, default timeouts', () => {
    assert.deepEqual(parse('rtsp://admin:p%40ss@cam:554/live?ch=1'), {
      url: 'rtsp://admin:p%40ss@cam:554/live?ch=1',
      transport: 'tcp',
      backchannel: true,
    });
  });

  it('#transport=udp, #media, #timeout; the # part is not in the URL', () => {
    assert.deepEqual(parse('rtsp://cam/x#transport=udp#media=video#timeout=30'), {
      url: 'rtsp://cam/x',
      transport: 'udp',
      backchannel: false,
      media: 'video',
      timeoutS: 30,
    });
    assert.equal(parse('rtsp://cam/x#transport=TCP').transport, 'tcp');
  });

  it('go2rtc: any option turns the backchannel off unless #backchannel=1', () => {
    const on = (raw: string) => backchannelEnabled(parseSourceUrl(raw));
    assert.equal(on('rtsp://cam/x'), true);
    assert.equal(on('rtsp://cam/x#backchannel=0'), false);
    assert.equal(on('rtsp://cam/x#backchannel=1'), true);
    assert.equal(on('rtsp://cam/x#media=video'), false);
    assert.equal(on('rtsp://cam/x#timeout=5#backchannel=1'), true);
  });

  it('a timeout that is not a number of seconds is ignored, as go2rtc Atoi does', () => {
    assert.equal(parse('rtsp://cam/x#timeout=abc').timeoutS, undefined);
    assert.equal(parse('rtsp://cam/x#timeout=0').timeoutS, undefined);
    assert.equal(parse('rtsp://cam/x#timeout=99999').timeoutS, undefined);
  });

  it('rtspx:// is rtsps://; RTSP over WebSocket and unknown transports are refused with RTSP_TRANSPORT', () => {
    assert.equal(parse('rtspx://cam:7441/abc').url, 'rtsps://cam:7441/abc');
    assert.throws(() => parse('rtsp://cam/x#transport=ws://cam/rtsp-over-websocket'), { code: 'RTSP_TRANSPORT' });
    assert.throws(
      () => parse('rtsp://cam/x#transport=sctp'),
      (err: Error) => {
        assert.equal(err.message, 'RTSP_TRANSPORT: #transport=sctp: expected tcp or udp');
        return true;
      },
    );
  });

  it('maskUrl hides the userinfo, whatever it holds', () => {
    assert.equal(maskUrl('rtsp://admin:secret@10.0.0.2:554/live'), 'rtsp://***@10.0.0.2:554/live');
    assert.equal(maskUrl('rtsp://admin:p%40ss%3Aw@cam/x?a=b@c'), 'rtsp://***@cam/x?a=b@c');
    assert.equal(maskUrl('rtsp://cam/x'), 'rtsp://cam/x');
  });

  it('clientError puts the code first', () => {
    const err = clientError('RTSP_TIMEOUT', 'rtsp://cam/x: no media for 5 s');
    assert.equal(err.code, 'RTSP_TIMEOUT');
    assert.equal(err.message, 'RTSP_TIMEOUT: rtsp://cam/x: no media for 5 s');
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Message, classes, methods } from 'werift';
import { answerBundleGroup, offerTransport, useOfferTransport } from '../../../../addon/src/pkg/webrtc/bundle.js';
import { WebrtcPkgError } from '../../../../addon/src/pkg/webrtc/errors.js';
import { candidateKey } from '../../../../addon/src/pkg/webrtc/candidate.js';
import { choosePayloadType, offerToMedias } from '../../../../addon/src/pkg/webrtc/negotiate.js';
import {
  bindingRequestUsername,
  classifyStunDatagram,
  parseBindingResponse,
  stunRequestTransaction,
} from '../../../../addon/src/pkg/webrtc/stun.js';
import { keepPayloadTypes, parseSdpMedias, setCandidates } from '../../../../addon/src/pkg/webrtc/sdp.js';
import { readFirstFrame } from '../../../../addon/src/pkg/webrtc/tcp-frame.js';
import { hasDtlsAlert } from '../../../../addon/src/pkg/webrtc/dtls-record.js';
import { flipBits, Prng, setBytes, setU32, splice, timed, truncate, HANG_MS } from '../../../fuzz/mutate.js';

const OFFER = Buffer.from(
  readFileSync(new URL('./fixtures/chrome-offer.sdp', import.meta.url), 'utf8').replace(/\n/g, '\r\n'),
);
const CLOSE_NOTIFY = Buffer.from(
  readFileSync(new URL('./fixtures/aiortc-close-notify.hex', import.meta.url), 'utf8').split('\n')[0]!,
  'hex',
);
const STUN = (() => {
  const message = new Message(methods.BINDING, classes.REQUEST);
  message.setAttribute('USERNAME', 'Xk2s:abcd1234');
  message.setAttribute('PRIORITY', 1853824767);
  return message.bytes;
})();

/** Parsers throw their typed error or nothing, and never hang: 3000 seeded mutations each. */
function fuzz(seed: number, input: Buffer, run: (data: Buffer) => void): void {
  const rng = new Prng(seed);
  const mutations = [flipBits, setBytes, setU32, truncate, splice];
  for (let i = 0; i < 3000; i++) {
    let data = input;
    for (let n = 1 + rng.below(3); n > 0; n--) data = rng.pick(mutations)(rng, data);
    const { ms, error } = timed(() => run(data));
    assert.ok(error === undefined || error instanceof WebrtcPkgError, `iteration ${i}: ${String(error)}`);
    assert.ok(ms < HANG_MS, `iteration ${i} hung for ${ms.toFixed(1)} ms`);
  }
}

describe('pkg/webrtc under mutated input', () => {
  it('SDP parsing, negotiation and rewriting', () => {
    fuzz(0x5d9, OFFER, (data) => {
      const text = data.toString('latin1');
      const medias = parseSdpMedias(text);
      offerToMedias(medias);
      keepPayloadTypes(text, new Map([[1, [102]]]));
      for (const media of medias) choosePayloadType(media, { name: 'H264', clockRate: 90000, channels: 0 });
      setCandidates(text, ['candidate:1 1 udp 1 10.0.0.1 5000 typ host']);
      const transport = offerTransport(text);
      parseSdpMedias(useOfferTransport(text, transport));
      answerBundleGroup(text, transport);
      for (const line of text.split('\r\n')) if (line.startsWith('a=candidate:')) candidateKey(line);
    });
  });

  it('the shared UDP port: classification never throws, not even its typed error', () => {
    fuzz(0x0d9, STUN, (data) => {
      // The socket handler must not throw for any datagram: a typed error would be one too many here.
      assert.doesNotThrow(() => {
        classifyStunDatagram(data);
        stunRequestTransaction(data);
      });
    });
  });

  it('STUN peeking and RFC 4571 framing', () => {
    fuzz(0x57a, STUN, (data) => {
      bindingRequestUsername(data);
      parseBindingResponse(data, data.subarray(8, 20));
      readFirstFrame(data, 1500);
    });
  });

  it('DTLS record headers: a boolean, never an error', () => {
    fuzz(0xd715, Buffer.concat([CLOSE_NOTIFY, CLOSE_NOTIFY]), (data) => {
      assert.equal(typeof hasDtlsAlert(data), 'boolean');
    });
  });
});

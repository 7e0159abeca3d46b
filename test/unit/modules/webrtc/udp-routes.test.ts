import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Message, classes, methods } from 'werift';
import { UdpRoutes } from '../../../../addon/src/modules/webrtc/udp-routes.js';

function bindingRequest(username: string | undefined): Buffer {
  const message = new Message(methods.BINDING, classes.REQUEST);
  if (username !== undefined) message.setAttribute('USERNAME', username);
  return message.bytes;
}

function responseTo(request: Buffer): Buffer {
  const message = new Message(methods.BINDING, classes.RESPONSE, request.subarray(8, 20));
  message.setAttribute('XOR-MAPPED-ADDRESS', ['10.0.0.9', 5000]);
  return message.bytes;
}

const DTLS = Buffer.from('16fefd000000000000000000100100000c000100000000000c', 'hex');
const SRTP = Buffer.from('80e0000100000000deadbeef00000000', 'hex');

describe('UDP port demultiplexing (who gets a datagram)', () => {
  it("a new address is nobody's until its binding request names a ufrag; then its media goes to that peer", () => {
    const routes = new UdpRoutes<string>();
    assert.ok(routes.register('aaaa', 'A'));
    assert.ok(routes.register('bbbb', 'B'));
    assert.equal(routes.route(DTLS, '10.0.0.5 4000', 0), undefined, 'DTLS from an unknown address');
    assert.equal(routes.route(bindingRequest(undefined), '10.0.0.5 4000', 0), undefined, 'a request without USERNAME');
    assert.equal(routes.route(bindingRequest('zzzz:peer'), '10.0.0.5 4000', 0), undefined, 'an unknown ufrag');
    assert.equal(routes.route(bindingRequest('aaaa:peer'), '10.0.0.5 4000', 0), 'A');
    assert.equal(routes.route(DTLS, '10.0.0.5 4000', 0), 'A');
    assert.equal(routes.route(SRTP, '10.0.0.5 4000', 0), 'A');
    assert.equal(routes.route(bindingRequest('bbbb:peer'), '10.0.0.6 4000', 0), 'B');
    assert.equal(routes.route(SRTP, '10.0.0.6 4000', 0), 'B');
    assert.equal(routes.route(SRTP, '10.0.0.5 4001', 0), undefined, 'another port is another address');
    assert.deepEqual(routes.stats, { routed: 5, dropped: 4 });
  });

  it('a binding request naming another peer moves the address (a NAT port reused by a new viewer)', () => {
    const routes = new UdpRoutes<string>();
    routes.register('aaaa', 'A');
    routes.register('bbbb', 'B');
    routes.route(bindingRequest('aaaa:x'), '192.0.2.1 5000', 0);
    assert.equal(routes.route(bindingRequest('bbbb:y'), '192.0.2.1 5000', 0), 'B');
    assert.equal(routes.route(SRTP, '192.0.2.1 5000', 0), 'B');
    routes.unregister('A');
    assert.equal(routes.route(SRTP, '192.0.2.1 5000', 0), 'B', 'A leaving does not take the moved address with it');
  });

  it("responses go back to the peer that sent the request (STUN servers are shared; checks before the peer's own)", () => {
    const routes = new UdpRoutes<string>();
    routes.register('aaaa', 'A');
    routes.register('bbbb', 'B');
    const fromA = bindingRequest(undefined);
    const fromB = bindingRequest(undefined);
    routes.sent(fromA, 'A', 0);
    routes.sent(fromB, 'B', 0);
    routes.sent(SRTP, 'A', 0);
    assert.equal(routes.route(responseTo(fromB), '203.0.113.1 3478', 1), 'B');
    assert.equal(routes.route(responseTo(fromA), '203.0.113.1 3478', 1), 'A');
    assert.equal(routes.route(SRTP, '203.0.113.1 3478', 1), undefined, 'a response maps no address');
    assert.equal(routes.sizes.transactions, 0, 'an answered request is forgotten');
    assert.equal(
      routes.route(responseTo(fromA), '203.0.113.1 3478', 2),
      undefined,
      'a second response to it goes nowhere',
    );
  });

  it('a peer that answered our check owns its address: its DTLS may come before its own check does', () => {
    const routes = new UdpRoutes<string>();
    routes.register('aaaa', 'A');
    routes.register('bbbb', 'B');
    const check = bindingRequest('remote:aaaa');
    routes.sent(check, 'A', 0);
    assert.equal(routes.route(DTLS, '10.0.0.7 6000', 1), undefined, 'not before the answer');
    assert.equal(routes.route(responseTo(check), '10.0.0.7 6000', 1), 'A');
    assert.equal(routes.route(DTLS, '10.0.0.7 6000', 2), 'A');
    // An address another peer's request already claimed stays with it.
    routes.route(bindingRequest('bbbb:y'), '10.0.0.8 6000', 3);
    const late = bindingRequest('remote:aaaa');
    routes.sent(late, 'A', 3);
    assert.equal(routes.route(responseTo(late), '10.0.0.8 6000', 4), 'A');
    assert.equal(routes.route(SRTP, '10.0.0.8 6000', 5), 'B');
  });

  it('a transaction expires; a retransmission refreshes it; the table is bounded', () => {
    const routes = new UdpRoutes<string>({ transactionTtlMs: 1000, maxTransactions: 3 });
    routes.register('aaaa', 'A');
    const request = bindingRequest(undefined);
    routes.sent(request, 'A', 0);
    routes.sent(request, 'A', 900);
    assert.equal(routes.route(responseTo(request), 'x 1', 1500), 'A', 'refreshed at 900 ms');
    const late = bindingRequest(undefined);
    routes.sent(late, 'A', 0);
    assert.equal(routes.route(responseTo(late), 'x 1', 1001), undefined, 'expired');
    for (let i = 0; i < 10; i++) routes.sent(bindingRequest(undefined), 'A', 3000);
    assert.equal(routes.sizes.transactions, 3);
    routes.sent(bindingRequest(undefined), 'nobody', 3000);
    assert.equal(routes.sizes.transactions, 3, 'an unregistered sender is not recorded');
  });

  it('a peer owns at most maxAddressesPerPeer addresses (a spoofed flood of requests)', () => {
    const routes = new UdpRoutes<string>({ maxAddressesPerPeer: 2 });
    routes.register('aaaa', 'A');
    for (let i = 0; i < 5; i++)
      assert.equal(routes.route(bindingRequest('aaaa:x'), `10.0.0.${i} 1`, 0), 'A', 'the request itself is delivered');
    assert.equal(routes.sizes.addresses, 2);
    assert.equal(routes.route(SRTP, '10.0.0.4 1', 0), undefined);
  });

  it("a ufrag is one peer's; leaving removes its ufrag, addresses and transactions (none left over thousands of peers)", () => {
    const routes = new UdpRoutes<number>();
    assert.ok(routes.register('aaaa', 1));
    assert.equal(routes.register('aaaa', 2), false, 'a clash');
    assert.equal(routes.register('bbbb', 1), false, 'one ufrag per peer');
    routes.unregister(1);
    for (let peer = 0; peer < 5000; peer++) {
      const ufrag = `u${peer}`;
      assert.ok(routes.register(ufrag, peer));
      routes.route(bindingRequest(`${ufrag}:x`), `10.${peer >> 8}.${peer & 255}.1 5000`, peer);
      routes.route(bindingRequest(`${ufrag}:x`), `10.${peer >> 8}.${peer & 255}.1 5001`, peer);
      routes.sent(bindingRequest(undefined), peer, peer); // never answered: stays until the peer leaves
      if (peer >= 2) routes.unregister(peer - 2);
    }
    assert.deepEqual(routes.sizes, { peers: 2, addresses: 4, transactions: 2 });
    routes.unregister(4998);
    routes.unregister(4999);
    assert.deepEqual(routes.sizes, { peers: 0, addresses: 0, transactions: 0 });
  });
});

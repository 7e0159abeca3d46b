import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  discoveredSource,
  parseOnvifUrl,
  profileSources,
  soapRequest,
  withCredentials,
} from '../../../../addon/src/modules/onvif/index.js';

describe('modules/onvif: URLs', () => {
  it('parseOnvifUrl: host with port, decoded credentials, default device path, subtype', () => {
    assert.deepEqual(parseOnvifUrl('onvif://admin:p%40ss%3Aword@192.168.1.5:8000?subtype=1'), {
      host: '192.168.1.5:8000',
      username: 'admin',
      password: 'p@ss:word',
      devicePath: '/onvif/device_service',
      subtype: '1',
    });
    assert.equal(parseOnvifUrl('onvif://cam/onvif/device').devicePath, '/onvif/device');
    assert.equal(parseOnvifUrl('onvif://cam').username, '');
    assert.throws(() => parseOnvifUrl('onvif:cam'), { code: 'ONVIF_URL_INVALID' });
    assert.throws(
      () => parseOnvifUrl('onvif://a:b@[bad'),
      (err: unknown) => err instanceof Error && /ONVIF_URL_INVALID/.test(err.message) && !/a:b/.test(err.message),
    );
  });

  it('withCredentials: adds the ONVIF user to an rtsp URI without one, keeps one that has its own, refuses other schemes', () => {
    const target = parseOnvifUrl('onvif://admin:p%40ss@cam');
    assert.equal(
      withCredentials('rtsp://192.168.1.5:554/Streaming/Channels/101?transportmode=unicast', target),
      'rtsp://admin:p%40ss@192.168.1.5:554/Streaming/Channels/101?transportmode=unicast',
    );
    assert.equal(withCredentials('rtsp://other:x@192.168.1.5/s', target), 'rtsp://other:x@192.168.1.5/s');
    assert.throws(() => withCredentials('http://192.168.1.5/snap.jpg', target), { code: 'ONVIF_URI_UNSUPPORTED' });
    assert.throws(() => withCredentials('file:///etc/passwd', target), { code: 'ONVIF_URI_UNSUPPORTED' });
    assert.throws(() => withCredentials('not a url', target), { code: 'ONVIF_NO_URI' });
  });

  it('discoveredSource: go2rtc shape, user:pass placeholders, the default device path dropped', () => {
    assert.deepEqual(
      discoveredSource({ url: 'http://192.168.1.64/onvif/device_service', name: 'IPC', hardware: 'DS-2CD' }),
      {
        name: '192.168.1.64',
        url: 'onvif://user:pass@192.168.1.64',
        info: 'IPC DS-2CD',
      },
    );
    assert.deepEqual(discoveredSource({ url: 'http://10.0.0.7:8899/onvif/device', name: '', hardware: '' }), {
      name: '10.0.0.7:8899',
      url: 'onvif://user:pass@10.0.0.7:8899/onvif/device',
    });
    assert.equal(discoveredSource({ url: 'https://10.0.0.7/onvif/device_service', name: '', hardware: '' }), undefined);
  });

  it('profileSources: each token as ?subtype=, replacing one already there', () => {
    assert.deepEqual(profileSources('onvif://a:b@cam:80?subtype=0', 'HIK X', ['t0', 't 1']), [
      { name: 'HIK X stream0', url: 'onvif://a:b@cam:80?subtype=t0' },
      { name: 'HIK X stream1', url: 'onvif://a:b@cam:80?subtype=t+1' },
    ]);
  });
});

describe('modules/onvif: SOAP over HTTP, error answers', () => {
  const answers: Array<{ status: number; body: string }> = [];
  let server: http.Server;
  let port = 0;
  before(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const answer = answers.shift() ?? { status: 500, body: '' };
        res.writeHead(answer.status, { 'Content-Type': 'application/soap+xml' });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const call = (): Promise<string> =>
    soapRequest(parseOnvifUrl(`onvif://admin:x@127.0.0.1:${port}`), '/onvif/device_service', '<tds:GetCapabilities/>');

  it('HTTP 500 without a fault: ONVIF_HTTP; a fault with any status decides; 401: ONVIF_AUTH; not XML: ONVIF_XML_INVALID', async () => {
    answers.push({ status: 500, body: 'oops' });
    await assert.rejects(call(), { code: 'ONVIF_HTTP' });
    answers.push({
      status: 500,
      body: '<s:Envelope><s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Reason><s:Text>busy</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>',
    });
    await assert.rejects(
      call(),
      (err: unknown) =>
        err instanceof Error && 'code' in err && err.code === 'ONVIF_FAULT' && /Receiver: busy$/.test(err.message),
    );
    answers.push({
      status: 200,
      body: '<s:Envelope><s:Body><s:Fault><faultcode>wsse:FailedAuthentication</faultcode></s:Fault></s:Body></s:Envelope>',
    });
    await assert.rejects(call(), { code: 'ONVIF_AUTH' });
    answers.push({ status: 401, body: '' });
    await assert.rejects(call(), { code: 'ONVIF_AUTH' });
    answers.push({ status: 200, body: '<html>login</html>' });
    await assert.rejects(call(), { code: 'ONVIF_XML_INVALID' });
    answers.push({ status: 200, body: '<s:Envelope><s:Body><ok/></s:Body></s:Envelope>' });
    assert.match(await call(), /<ok\/>/);
  });

  it('nothing listening: ONVIF_CONNECT', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const free = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await assert.rejects(
      soapRequest(parseOnvifUrl(`onvif://127.0.0.1:${free}`), '/onvif/device_service', '<tds:GetCapabilities/>'),
      { code: 'ONVIF_CONNECT' },
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RtspConnectionError, RtspError } from '../../../../addon/src/pkg/rtsp/index.js';

describe('rtsp errors', () => {
  it('a client error puts its code first: the message is all /api/streams shows of a failed source', () => {
    const err = new RtspError('RTSP_CONNECT', 'rtsp://***@cam/x: connect ECONNREFUSED');
    assert.equal(err.code, 'RTSP_CONNECT');
    assert.equal(err.message, 'RTSP_CONNECT: rtsp://***@cam/x: connect ECONNREFUSED');
  });

  it('a connection error does not: the client that sees it adds the code and which camera', () => {
    const err = new RtspConnectionError('RTSP_CLOSED', 'connection closed');
    assert.equal(err.code, 'RTSP_CLOSED');
    assert.equal(err.message, 'connection closed');
  });
});

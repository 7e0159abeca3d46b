import { decodeAmf0, encodeAmf0, type AmfObject, type AmfValue } from '../flv/amf0.js';
import { RtmpError } from './errors.js';

/** Message type ids (RTMP spec 5.4, 7.1). */
export const MessageType = {
  SetChunkSize: 1,
  Abort: 2,
  Acknowledgement: 3,
  UserControl: 4,
  WindowAckSize: 5,
  SetPeerBandwidth: 6,
  Audio: 8,
  Video: 9,
  DataAmf3: 15,
  CommandAmf3: 17,
  DataAmf0: 18,
  CommandAmf0: 20,
} as const;

/** User Control event types (RTMP spec 7.1.7). */
export const UserControlEvent = {
  StreamBegin: 0,
  StreamEof: 1,
  StreamDry: 2,
  SetBufferLength: 3,
  StreamIsRecorded: 4,
  PingRequest: 6,
  PingResponse: 7,
} as const;

/** Chunk stream ids by convention (what ffmpeg and nginx use): control 2, commands 3, audio 4/video 6 on our side. */
export const ChunkStreamId = { Control: 2, Command: 3, Audio: 4, Video: 6, Data: 5 } as const;

/** A message to write: `csid` picks the chunk stream. */
export interface OutgoingMessage {
  readonly csid: number;
  readonly type: number;
  readonly timestamp: number;
  readonly streamId: number;
  readonly payload: Buffer;
}

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b;
}

function control(type: number, payload: Buffer): OutgoingMessage {
  return { csid: ChunkStreamId.Control, type, timestamp: 0, streamId: 0, payload };
}

export function setChunkSize(size: number): OutgoingMessage {
  return control(MessageType.SetChunkSize, u32(size & 0x7fffffff));
}

export function acknowledgement(sequence: number): OutgoingMessage {
  return control(MessageType.Acknowledgement, u32(sequence));
}

export function windowAckSize(size: number): OutgoingMessage {
  return control(MessageType.WindowAckSize, u32(size));
}

/** Limit type 2 = dynamic. */
export function setPeerBandwidth(size: number, limitType = 2): OutgoingMessage {
  return control(MessageType.SetPeerBandwidth, Buffer.concat([u32(size), Buffer.from([limitType])]));
}

export function userControl(event: number, value: number): OutgoingMessage {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(event);
  b.writeUInt32BE(value >>> 0, 2);
  return control(MessageType.UserControl, b);
}

export interface UserControlMessage {
  readonly event: number;
  readonly value: number;
}

export function parseUserControl(payload: Buffer): UserControlMessage | undefined {
  if (payload.length < 6) return undefined;
  return { event: payload.readUInt16BE(0), value: payload.readUInt32BE(2) };
}

/** A command (`connect`, `play`, `_result`, `onStatus`...): name, transaction id, command object, arguments. */
export interface RtmpCommand {
  readonly name: string;
  readonly transactionId: number;
  readonly object: AmfValue;
  readonly args: readonly AmfValue[];
}

export function command(
  streamId: number,
  name: string,
  transactionId: number,
  object: AmfValue,
  ...args: AmfValue[]
): OutgoingMessage {
  return {
    csid: ChunkStreamId.Command,
    type: MessageType.CommandAmf0,
    timestamp: 0,
    streamId,
    payload: encodeAmf0(name, transactionId, object, ...args),
  };
}

/** Reads a command message (type 20, or 17 whose AMF3 body starts with a 0 format byte then AMF0). */
export function parseCommand(type: number, payload: Buffer): RtmpCommand {
  const body = type === MessageType.CommandAmf3 && payload[0] === 0 ? payload.subarray(1) : payload;
  const values = decodeAmf0(body);
  const [name, transactionId, object, ...args] = values;
  if (typeof name !== 'string') throw new RtmpError('RTMP_COMMAND', 'command without a name');
  return { name, transactionId: typeof transactionId === 'number' ? transactionId : 0, object: object ?? null, args };
}

/** `onStatus` info object fields: level, code, description. */
export function statusInfo(value: AmfValue): { level: string; code: string; description: string } | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date) return undefined;
  const o = value as AmfObject;
  const text = (k: string) => (typeof o[k] === 'string' ? (o[k] as string) : '');
  return { level: text('level'), code: text('code'), description: text('description') };
}

/** An `onStatus` to send on a stream. */
export function onStatus(
  streamId: number,
  level: 'status' | 'error',
  code: string,
  description: string,
): OutgoingMessage {
  return command(streamId, 'onStatus', 0, null, { level, code, description });
}

/**
 * Counts received bytes and says when to acknowledge (RTMP spec 5.4.3): after every `window` bytes since the
 * last acknowledgement, the total (mod 2^32). Peers such as Flash and some servers stall without it.
 */
export class AckCounter {
  private received = 0;
  private lastAck = 0;
  window = 0;

  /** Returns the sequence number to acknowledge, if one is due. */
  count(bytes: number): number | undefined {
    this.received += bytes;
    if (this.window <= 0 || this.received - this.lastAck < this.window) return undefined;
    this.lastAck = this.received;
    return this.received % 2 ** 32;
  }
}

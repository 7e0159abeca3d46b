/** `a=name:value`, or `a=name` (a flag: value undefined). Unknown attributes are kept as they are. */
export interface SdpAttribute {
  readonly name: string;
  readonly value?: string;
}

/** `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`; numbers kept as text. */
export interface SdpOrigin {
  readonly username: string;
  readonly sessionId: string;
  readonly sessionVersion: string;
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** `c=<nettype> <addrtype> <connection-address>`. */
export interface SdpConnection {
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

/** `t=<start-time> <stop-time>`, as text (NTP seconds do not fit comfortably in every consumer). */
export interface SdpTiming {
  readonly start: string;
  readonly stop: string;
}

/** A line this model has no field for (`k=`, `r=`, `z=`, a letter from the future): kept for writing back. */
export interface SdpLine {
  readonly type: string;
  readonly value: string;
}

/** One `m=` section. */
export interface SdpMedia {
  /** `video`, `audio`, `application`... as written (cameras write odd ones, e.g. `application/MERCURY`). */
  readonly type: string;
  readonly port: number;
  /** The `/<number of ports>` suffix when present. */
  readonly portCount?: number;
  /** `RTP/AVP`, `RTP/AVP/TCP`, `RTP/SAVPF`... */
  readonly protocol: string;
  /** Payload types (or other format tokens) in preference order, as text. */
  readonly formats: readonly string[];
  readonly info?: string;
  readonly connection?: SdpConnection;
  /** `b=` values such as `AS:2097`. */
  readonly bandwidths: readonly string[];
  readonly attributes: readonly SdpAttribute[];
  readonly otherLines: readonly SdpLine[];
}

/** A session description (RFC 8866), kept close to the text so a parse/build round trip loses nothing useful. */
export interface SdpSession {
  readonly version: number;
  readonly origin?: SdpOrigin;
  /** `s=`; a lone `-` or a space when the sender has nothing to say. */
  readonly name: string;
  readonly info?: string;
  readonly uri?: string;
  readonly emails: readonly string[];
  readonly phones: readonly string[];
  readonly connection?: SdpConnection;
  readonly bandwidths: readonly string[];
  readonly timings: readonly SdpTiming[];
  readonly attributes: readonly SdpAttribute[];
  readonly medias: readonly SdpMedia[];
  readonly otherLines: readonly SdpLine[];
}

import { isLoopbackAddress } from '../../core/net.js';

/**
 * The RTSP server's rules (`rtsp.username`/`password`, loopback clients let in, as go2rtc). RTMP has no
 * standard authentication, so a client gives the credentials in the stream name's or the tcUrl's query:
 * `rtmp://host:1935/cam?user=U&pass=P` (`username`/`password` also accepted).
 */
export class RtmpAuth {
  constructor(
    private readonly username: string,
    private readonly password: string,
    /** Let loopback clients in without credentials. Defaults to true (go2rtc); tests turn it off. */
    private readonly trustLoopback = true,
  ) {}

  check(remoteAddress: string | undefined, queries: readonly URLSearchParams[]): boolean {
    if (this.username === '' || (this.trustLoopback && isLoopbackAddress(remoteAddress))) return true;
    return queries.some(
      (q) =>
        (q.get('user') ?? q.get('username')) === this.username &&
        (q.get('pass') ?? q.get('password')) === this.password,
    );
  }
}

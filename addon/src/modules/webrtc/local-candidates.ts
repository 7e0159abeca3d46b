import { candidateKey } from '../../pkg/webrtc/candidate.js';

/**
 * Our side's candidates for one peer, each advertised once: a configured `webrtc.candidates` address that is
 * also a host address, werift's candidate for the shared TCP port and ours for the same address, or two STUN
 * servers that map to the same public address would otherwise be sent twice (same transport, address and
 * port). The first one wins, so configured entries keep their higher priority. Lines are attribute values
 * (`candidate:...`, no `a=`).
 */
export class LocalCandidates {
  readonly lines: string[] = [];
  private readonly seen = new Set<string>();
  private listener: ((candidate: string) => void) | undefined;

  constructor(private readonly keep: (candidate: string) => boolean) {}

  add(candidate: string): void {
    const line = candidate.replace(/^a=/, '');
    if (!this.keep(line)) return;
    const key = candidateKey(line) ?? line;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.lines.push(line);
    this.listener?.(line);
  }

  /** Passes every candidate (the ones added so far, then each new one) to `listener`. */
  listen(listener: (candidate: string) => void): void {
    this.listener = listener;
    for (const line of this.lines) listener(line);
  }
}

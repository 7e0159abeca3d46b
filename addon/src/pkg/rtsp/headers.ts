/**
 * RTSP headers: names compared case-insensitively (RFC 2326 4.2), original spelling and order kept for
 * writing, repeated names kept (a camera may send WWW-Authenticate twice, Digest and Basic).
 */
export class RtspHeaders {
  private readonly list: Array<[string, string]> = [];

  constructor(init?: Iterable<readonly [string, string]> | Readonly<Record<string, string>>) {
    if (init === undefined) return;
    const entries = Symbol.iterator in init ? init : Object.entries(init);
    for (const [name, value] of entries as Iterable<readonly [string, string]>) this.append(name, value);
  }

  /** The first value of `name`, or undefined. */
  get(name: string): string | undefined {
    const lower = name.toLowerCase();
    return this.list.find(([n]) => n.toLowerCase() === lower)?.[1];
  }

  getAll(name: string): string[] {
    const lower = name.toLowerCase();
    return this.list.filter(([n]) => n.toLowerCase() === lower).map(([, v]) => v);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Replaces every value of `name` with this one (kept at the first one's place). */
  set(name: string, value: string): this {
    const lower = name.toLowerCase();
    const at = this.list.findIndex(([n]) => n.toLowerCase() === lower);
    this.delete(name);
    if (at < 0) this.list.push([name, value]);
    else this.list.splice(at, 0, [name, value]);
    return this;
  }

  append(name: string, value: string): this {
    this.list.push([name, value]);
    return this;
  }

  delete(name: string): this {
    const lower = name.toLowerCase();
    for (let i = this.list.length - 1; i >= 0; i--) {
      if (this.list[i]?.[0].toLowerCase() === lower) this.list.splice(i, 1);
    }
    return this;
  }

  entries(): Array<[string, string]> {
    return this.list.map(([n, v]) => [n, v]);
  }

  get size(): number {
    return this.list.length;
  }

  /** Plain object for logs and tests; repeated names are joined with `, `. */
  toJSON(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [n, v] of this.list) out[n] = n in out ? `${out[n]}, ${v}` : v;
    return out;
  }
}

import { expectOk, HapConnection } from './connection.js';
import { HapError } from './errors.js';
import {
  pairSetup,
  pairVerify,
  removePairing,
  type AccessoryIdentity,
  type ControllerIdentity,
  type Pairing,
} from './pairing.js';

const HAP_JSON = 'application/hap+json';

/** `/accessories` as HAP defines it, the fields we read. */
export interface HapAccessory {
  readonly aid: number;
  readonly services: ReadonlyArray<{
    readonly iid: number;
    readonly type: string;
    readonly characteristics: ReadonlyArray<{
      readonly iid: number;
      readonly type: string;
      readonly value?: unknown;
      readonly perms?: readonly string[];
    }>;
  }>;
}

export interface CharacteristicValue {
  readonly aid: number;
  readonly iid: number;
  readonly value?: unknown;
  readonly status?: number;
}

/**
 * A paired, verified HAP session: HTTP over the encrypted connection. Close it when done; `onClose` tells when
 * the accessory went away.
 */
export class HapClient {
  private constructor(
    readonly connection: HapConnection,
    readonly pairing: Pairing,
  ) {}

  /** Connects and runs pair-verify. */
  static async open(host: string, port: number, pairing: Pairing, timeoutMs?: number): Promise<HapClient> {
    const connection = await HapConnection.connect(host, port, timeoutMs);
    try {
      await pairVerify(connection, pairing);
    } catch (err) {
      connection.close();
      throw err;
    }
    return new HapClient(connection, pairing);
  }

  get onClose(): HapConnection['onClose'] {
    return this.connection.onClose;
  }

  async accessories(): Promise<HapAccessory[]> {
    const body = expectOk(await this.connection.request('GET', '/accessories'), 'GET /accessories');
    const json = parseJson(body, 'GET /accessories') as { accessories?: unknown };
    if (!Array.isArray(json.accessories))
      throw new HapError('HAP_HTTP_INVALID', 'GET /accessories: no accessories list');
    return json.accessories as HapAccessory[];
  }

  async readCharacteristics(ids: ReadonlyArray<{ aid: number; iid: number }>): Promise<CharacteristicValue[]> {
    const path = `/characteristics?id=${ids.map((i) => `${i.aid}.${i.iid}`).join(',')}`;
    const body = expectOk(await this.connection.request('GET', path), `GET ${path}`);
    const json = parseJson(body, `GET ${path}`) as { characteristics?: unknown };
    if (!Array.isArray(json.characteristics))
      throw new HapError('HAP_HTTP_INVALID', `GET ${path}: no characteristics list`);
    return json.characteristics as CharacteristicValue[];
  }

  /** PUT /characteristics; a 207 with a non-zero status for any of them is HAP_HTTP_STATUS. */
  async writeCharacteristics(values: readonly CharacteristicValue[]): Promise<void> {
    const answer = await this.connection.request(
      'PUT',
      '/characteristics',
      Buffer.from(JSON.stringify({ characteristics: values })),
      HAP_JSON,
    );
    if (answer.status === 207) {
      const json = parseJson(answer.body, 'PUT /characteristics') as { characteristics?: CharacteristicValue[] };
      const bad = (json.characteristics ?? []).filter((c) => c.status !== undefined && c.status !== 0);
      if (bad.length)
        throw new HapError(
          'HAP_HTTP_STATUS',
          `PUT /characteristics: ${bad.map((c) => `${c.aid}.${c.iid} status ${c.status}`).join(', ')}`,
        );
      return;
    }
    expectOk(answer, 'PUT /characteristics');
  }

  /** Removes our own pairing from the accessory (it forgets us; the URL stops working). */
  async unpair(): Promise<void> {
    await removePairing(this.connection, this.pairing.controller.id);
  }

  close(): void {
    this.connection.close();
  }
}

/** Pair-setup on a fresh connection, closed afterwards. */
export async function pairWithPin(
  host: string,
  port: number,
  pin: string,
  controller: ControllerIdentity,
  timeoutMs?: number,
): Promise<AccessoryIdentity> {
  const connection = await HapConnection.connect(host, port, timeoutMs);
  try {
    return await pairSetup(connection, pin, controller);
  } finally {
    connection.close();
  }
}

function parseJson(body: Buffer, what: string): unknown {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    if (value === null || typeof value !== 'object') throw new Error('not an object');
    return value;
  } catch (err) {
    throw new HapError('HAP_HTTP_INVALID', `${what}: body is not a JSON object`, { cause: err });
  }
}

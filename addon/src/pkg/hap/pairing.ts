import { randomBytes } from 'node:crypto';
import { SRP, SrpClient } from 'fast-srp-hap';
import { labelNonce, openOrThrow, seal } from './chacha.js';
import { expectOk, type HapConnection } from './connection.js';
import { HapError, type HapErrorCode } from './errors.js';
import { hkdf } from './hkdf.js';
import { ed25519Sign, ed25519Verify, generateX25519, x25519Shared, type Ed25519Pair } from './keys.js';
import { decodeTlv, encodeTlv, tlvGet, tlvRequire, type TlvItem } from './tlv8.js';

/** TLV types of the pairing messages (HAP spec table 5-6). */
export const PairTlv = {
  Method: 0x00,
  Identifier: 0x01,
  Salt: 0x02,
  PublicKey: 0x03,
  Proof: 0x04,
  EncryptedData: 0x05,
  State: 0x06,
  Error: 0x07,
  Signature: 0x0a,
  Permissions: 0x0b,
} as const;

/** TLV error values (HAP spec table 5-5). */
export const PAIR_ERRORS: Readonly<Record<number, string>> = {
  1: 'Unknown',
  2: 'Authentication',
  3: 'Backoff',
  4: 'MaxPeers',
  5: 'MaxTries',
  6: 'Unavailable',
  7: 'Busy',
};

const PAIRING_TLV = 'application/pairing+tlv8';

/** Our side of a pairing (the controller). */
export interface ControllerIdentity {
  /** iOSPairingId: the identifier the accessory stores for us. */
  readonly id: string;
  readonly keys: Ed25519Pair;
}

/** What a successful pair-setup learns about the accessory. */
export interface AccessoryIdentity {
  /** AccessoryPairingID, e.g. `AA:BB:CC:DD:EE:FF`. */
  readonly id: string;
  /** AccessoryLTPK. */
  readonly publicKey: Buffer;
}

/** A pairing: everything a `homekit://` URL carries. */
export interface Pairing {
  readonly controller: ControllerIdentity;
  readonly accessory: AccessoryIdentity;
}

/** A setup code is 8 digits, written `XXX-XX-XXX` for SRP; `12345678` is accepted and formatted. */
export function formatPin(pin: string): string | undefined {
  const digits = pin.replace(/-/g, '');
  if (!/^\d{8}$/.test(digits)) return undefined;
  return `${digits.slice(0, 3)}-${digits.slice(3, 5)}-${digits.slice(5)}`;
}

async function exchange(
  conn: HapConnection,
  path: string,
  items: ReadonlyArray<readonly [number, Buffer | number | string]>,
  what: string,
): Promise<TlvItem[]> {
  const answer = await conn.request('POST', path, encodeTlv(items), PAIRING_TLV);
  return decodeTlv(expectOk(answer, what));
}

/** Throws when the accessory answered with a TLV error or an unexpected state. */
function checkStep(
  items: readonly TlvItem[],
  state: number,
  what: string,
  codeFor: (error: number) => HapErrorCode,
): void {
  const error = tlvGet(items, PairTlv.Error);
  if (error !== undefined) {
    const value = error[0] ?? 0;
    throw new HapError(
      codeFor(value),
      `${what}: accessory answered error ${value} (${PAIR_ERRORS[value] ?? 'unknown'})`,
    );
  }
  const got = tlvGet(items, PairTlv.State)?.[0];
  if (got !== state) throw new HapError(codeFor(0), `${what}: expected state ${state}, got ${got ?? 'none'}`);
}

/**
 * Pair-setup with the setup code (HAP spec §5.6): SRP-6a (3072-bit group, SHA-512) proves the PIN, then both
 * sides exchange their Ed25519 long-term keys, signed and encrypted under keys derived from the SRP secret.
 * Runs on a fresh, plain connection. Errors: HAP_PAIR_WRONG_PIN, HAP_PAIR_ALREADY_PAIRED, HAP_PAIR_FAILED.
 */
export async function pairSetup(
  conn: HapConnection,
  pin: string,
  controller: ControllerIdentity,
): Promise<AccessoryIdentity> {
  const code = formatPin(pin);
  if (code === undefined)
    throw new HapError('HAP_PAIR_WRONG_PIN', `setup code must be 8 digits (XXX-XX-XXX), got ${JSON.stringify(pin)}`);
  const setupCode = (error: number): HapErrorCode =>
    error === 6 ? 'HAP_PAIR_ALREADY_PAIRED' : error === 2 ? 'HAP_PAIR_WRONG_PIN' : 'HAP_PAIR_FAILED';

  // M1 → M2: the accessory's salt and SRP public key.
  const m2 = await exchange(
    conn,
    '/pair-setup',
    [
      [PairTlv.State, 1],
      [PairTlv.Method, 0],
    ],
    'pair-setup M2',
  );
  checkStep(m2, 2, 'pair-setup M2', setupCode);
  const salt = tlvRequire(m2, PairTlv.Salt, 'pair-setup M2 salt');
  const serverPublic = tlvRequire(m2, PairTlv.PublicKey, 'pair-setup M2 public key');

  const srp = new SrpClient(SRP.params.hap, salt, Buffer.from('Pair-Setup'), Buffer.from(code), randomBytes(32), true);
  try {
    srp.setB(serverPublic);
  } catch (err) {
    throw new HapError('HAP_PAIR_FAILED', 'pair-setup M2: the accessory sent an invalid SRP public key', {
      cause: err,
    });
  }

  // M3 → M4: our proof; a wrong PIN fails here with Authentication.
  const m4 = await exchange(
    conn,
    '/pair-setup',
    [
      [PairTlv.State, 3],
      [PairTlv.PublicKey, srp.computeA()],
      [PairTlv.Proof, srp.computeM1()],
    ],
    'pair-setup M4',
  );
  checkStep(m4, 4, 'pair-setup M4', setupCode);
  try {
    srp.checkM2(tlvRequire(m4, PairTlv.Proof, 'pair-setup M4 proof'));
  } catch (err) {
    if (err instanceof HapError) throw err;
    throw new HapError('HAP_PAIR_FAILED', "pair-setup M4: the accessory's SRP proof does not verify", { cause: err });
  }
  const secret = srp.computeK();

  // M5 → M6: long-term keys, signed over HKDF-derived material and sealed with the session key.
  const sessionKey = hkdf(secret, 'Pair-Setup-Encrypt-Salt', 'Pair-Setup-Encrypt-Info');
  const controllerX = hkdf(secret, 'Pair-Setup-Controller-Sign-Salt', 'Pair-Setup-Controller-Sign-Info');
  const controllerId = Buffer.from(controller.id, 'utf8');
  const signature = ed25519Sign(controller.keys, Buffer.concat([controllerX, controllerId, controller.keys.publicKey]));
  const inner = encodeTlv([
    [PairTlv.Identifier, controllerId],
    [PairTlv.PublicKey, controller.keys.publicKey],
    [PairTlv.Signature, signature],
  ]);
  const m6 = await exchange(
    conn,
    '/pair-setup',
    [
      [PairTlv.State, 5],
      [PairTlv.EncryptedData, seal(sessionKey, labelNonce('PS-Msg05'), inner)],
    ],
    'pair-setup M6',
  );
  checkStep(m6, 6, 'pair-setup M6', setupCode);
  const m6Inner = decodeTlv(
    openOrThrow(
      sessionKey,
      labelNonce('PS-Msg06'),
      tlvRequire(m6, PairTlv.EncryptedData, 'pair-setup M6 data'),
      'pair-setup M6',
      'HAP_PAIR_FAILED',
    ),
  );
  const accessoryId = tlvRequire(m6Inner, PairTlv.Identifier, 'pair-setup M6 identifier');
  const accessoryKey = tlvRequire(m6Inner, PairTlv.PublicKey, 'pair-setup M6 public key');
  const accessorySignature = tlvRequire(m6Inner, PairTlv.Signature, 'pair-setup M6 signature');
  const accessoryX = hkdf(secret, 'Pair-Setup-Accessory-Sign-Salt', 'Pair-Setup-Accessory-Sign-Info');
  if (!ed25519Verify(accessoryKey, Buffer.concat([accessoryX, accessoryId, accessoryKey]), accessorySignature)) {
    throw new HapError('HAP_PAIR_FAILED', "pair-setup M6: the accessory's signature does not verify");
  }
  return { id: accessoryId.toString('utf8'), publicKey: Buffer.from(accessoryKey) };
}

/**
 * Pair-verify (HAP spec §5.7): an X25519 exchange, each side signing both ephemeral keys with its long-term
 * key, proves both know the pairing; then the connection switches to session frames. HAP_VERIFY_FAILED when
 * the accessory does not know us or its identity is not the saved one.
 */
export async function pairVerify(conn: HapConnection, pairing: Pairing): Promise<void> {
  const verifyCode = (): HapErrorCode => 'HAP_VERIFY_FAILED';
  const own = generateX25519();
  const m2 = await exchange(
    conn,
    '/pair-verify',
    [
      [PairTlv.State, 1],
      [PairTlv.PublicKey, own.publicKey],
    ],
    'pair-verify M2',
  );
  checkStep(m2, 2, 'pair-verify M2', verifyCode);
  const accessoryPublic = tlvRequire(m2, PairTlv.PublicKey, 'pair-verify M2 public key');
  const shared = x25519Shared(own, accessoryPublic);
  const sessionKey = hkdf(shared, 'Pair-Verify-Encrypt-Salt', 'Pair-Verify-Encrypt-Info');
  const m2Inner = decodeTlv(
    openOrThrow(
      sessionKey,
      labelNonce('PV-Msg02'),
      tlvRequire(m2, PairTlv.EncryptedData, 'pair-verify M2 data'),
      'pair-verify M2',
      'HAP_VERIFY_FAILED',
    ),
  );
  const accessoryId = tlvRequire(m2Inner, PairTlv.Identifier, 'pair-verify M2 identifier').toString('utf8');
  if (accessoryId !== pairing.accessory.id) {
    throw new HapError(
      'HAP_VERIFY_FAILED',
      `pair-verify M2: accessory is ${accessoryId}, the pairing is with ${pairing.accessory.id}`,
    );
  }
  const accessorySignature = tlvRequire(m2Inner, PairTlv.Signature, 'pair-verify M2 signature');
  if (
    !ed25519Verify(
      pairing.accessory.publicKey,
      Buffer.concat([accessoryPublic, Buffer.from(accessoryId, 'utf8'), own.publicKey]),
      accessorySignature,
    )
  ) {
    throw new HapError(
      'HAP_VERIFY_FAILED',
      "pair-verify M2: the accessory's signature does not match the saved public key",
    );
  }
  const controllerId = Buffer.from(pairing.controller.id, 'utf8');
  const signature = ed25519Sign(pairing.controller.keys, Buffer.concat([own.publicKey, controllerId, accessoryPublic]));
  const inner = encodeTlv([
    [PairTlv.Identifier, controllerId],
    [PairTlv.Signature, signature],
  ]);
  const m4 = await exchange(
    conn,
    '/pair-verify',
    [
      [PairTlv.State, 3],
      [PairTlv.EncryptedData, seal(sessionKey, labelNonce('PV-Msg03'), inner)],
    ],
    'pair-verify M4',
  );
  checkStep(m4, 4, 'pair-verify M4 (the accessory does not know this pairing)', verifyCode);
  conn.encrypt(
    hkdf(shared, 'Control-Salt', 'Control-Write-Encryption-Key'),
    hkdf(shared, 'Control-Salt', 'Control-Read-Encryption-Key'),
  );
}

/** Remove-pairing (HAP spec §5.11) for `controllerId`, on a verified connection. */
export async function removePairing(conn: HapConnection, controllerId: string): Promise<void> {
  const m2 = await exchange(
    conn,
    '/pairings',
    [
      [PairTlv.State, 1],
      [PairTlv.Method, 4],
      [PairTlv.Identifier, controllerId],
    ],
    'remove-pairing',
  );
  checkStep(m2, 2, 'remove-pairing', () => 'HAP_PAIR_FAILED');
}

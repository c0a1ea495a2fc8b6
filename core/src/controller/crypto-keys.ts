/**
 * Key material for encrypted (LUKS) volumes.
 *
 * The cluster passphrase never reaches the store. What is stored is an EncryptionRecord:
 *  - a random 256-bit master key, wrapped with AES-256-GCM under a key-encryption key (KEK);
 *  - the KEK comes from the passphrase through scrypt (memory-hard, because passphrases are
 *    low-entropy and the record may leak through a database export or backup);
 *  - a verifier, HMAC-SHA256(KEK, label), so a wrong passphrase is told apart from a damaged record
 *    before anything is decrypted.
 * Changing the passphrase re-wraps the same master key, so every derived volume key stays the same.
 *
 * Per-volume LUKS keys are derived from the master key with HKDF-SHA256, info = resource name
 * (upper-cased: names are case-insensitive) + volume number. HKDF and not scrypt/PBKDF2 here: the
 * input is already a uniformly random 256-bit key, so a slow, salted KDF would add cost and no
 * strength; HKDF is the standard way to expand one strong key into independent sub-keys. The result
 * is deterministic, so every satellite of a resource gets the same key and nothing per volume is
 * stored.
 */
import {
  createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, scryptSync, timingSafeEqual,
} from 'node:crypto';
import type { EncryptionRecord } from '../store/records.js';

export const MASTER_KEY_BYTES = 32;
const SALT_BYTES = 16;
const IV_BYTES = 12;
const VERIFIER_LABEL = 'storhub passphrase verifier v1';
const VOLUME_KEY_INFO = 'storhub luks volume key v1';

/** scrypt cost: N=2^15, r=8 (32 MiB, ~0.1 s) — OWASP's minimum recommendation for scrypt. */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 15, r: 8, p: 1 };

export class WrongPassphraseError extends Error {
  constructor() {
    super('The passphrase does not match the stored verifier.');
    this.name = 'WrongPassphraseError';
  }
}

function b64(buf: Buffer): string {
  return buf.toString('base64');
}
function unb64(s: string): Buffer {
  return Buffer.from(s, 'base64');
}

function deriveKek(passphrase: string, salt: Buffer, p: ScryptParams): Buffer {
  // maxmem: scrypt needs ~128*N*r bytes; give it twice that so the default 32 MiB cap never bites.
  return scryptSync(Buffer.from(passphrase, 'utf8'), salt, 32, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 });
}

function verifierOf(kek: Buffer): Buffer {
  return createHmac('sha256', kek).update(VERIFIER_LABEL).digest();
}

/** Wraps `masterKey` under a KEK derived from `passphrase` with a fresh salt and IV. */
export function wrapMasterKey(passphrase: string, masterKey: Buffer, params: ScryptParams = DEFAULT_SCRYPT): EncryptionRecord {
  if (masterKey.length !== MASTER_KEY_BYTES) throw new Error(`master key must be ${MASTER_KEY_BYTES} bytes`);
  const salt = randomBytes(SALT_BYTES);
  const kek = deriveKek(passphrase, salt, params);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  const wrapped = Buffer.concat([cipher.update(masterKey), cipher.final()]);
  return {
    version: 1,
    kdf: 'scrypt',
    salt: b64(salt),
    scrypt_n: params.N,
    scrypt_r: params.r,
    scrypt_p: params.p,
    verifier: b64(verifierOf(kek)),
    iv: b64(iv),
    wrapped_key: b64(wrapped),
    tag: b64(cipher.getAuthTag()),
  };
}

/** A new random master key and its record. */
export function createMasterKey(passphrase: string, params: ScryptParams = DEFAULT_SCRYPT): { masterKey: Buffer; record: EncryptionRecord } {
  const masterKey = randomBytes(MASTER_KEY_BYTES);
  return { masterKey, record: wrapMasterKey(passphrase, masterKey, params) };
}

/**
 * The master key, or WrongPassphraseError. A verifier match followed by a GCM failure means the
 * record itself was altered; that is a plain Error, not a wrong passphrase.
 */
export function unwrapMasterKey(passphrase: string, record: EncryptionRecord): Buffer {
  if (record.version !== 1 || record.kdf !== 'scrypt') {
    throw new Error(`unsupported encryption record (version ${String(record.version)}, kdf ${String(record.kdf)})`);
  }
  const kek = deriveKek(passphrase, unb64(record.salt), { N: record.scrypt_n, r: record.scrypt_r, p: record.scrypt_p });
  const expected = unb64(record.verifier);
  const actual = verifierOf(kek);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) throw new WrongPassphraseError();
  const decipher = createDecipheriv('aes-256-gcm', kek, unb64(record.iv));
  decipher.setAuthTag(unb64(record.tag));
  try {
    return Buffer.concat([decipher.update(unb64(record.wrapped_key)), decipher.final()]);
  } catch (err) {
    throw new Error(`the stored encryption record is damaged (the passphrase matched, the wrapped key did not authenticate): ${(err as Error).message}`);
  }
}

/**
 * The LUKS key of one volume: HKDF-SHA256(master key, info = label | RESOURCE | volume number),
 * 32 bytes, returned as base64 text. Text, because cryptsetup reads the key from stdin
 * (`--key-file -`) and printable keys avoid any newline or NUL handling questions.
 */
export function deriveVolumeKey(masterKey: Buffer, resourceName: string, volumeNumber: number): string {
  if (!Number.isInteger(volumeNumber) || volumeNumber < 0) throw new Error(`invalid volume number ${volumeNumber}`);
  const info = Buffer.from(`${VOLUME_KEY_INFO}\0${resourceName.toUpperCase()}\0${volumeNumber}`, 'utf8');
  const key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), info, 32));
  return key.toString('base64');
}

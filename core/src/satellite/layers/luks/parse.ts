/** Parsers for cryptsetup output (pure). Fixtures: test/fixtures/commands/cryptsetup/. */

export interface LuksDump {
  version: number;
  uuid?: string;
  /** Offset of data segment 0 in bytes: what the header takes from the backing device. */
  dataOffsetBytes: number;
  cipher?: string;
}

/**
 * `cryptsetup luksDump DEV` (LUKS2 layout):
 *   Version:        2
 *   UUID:           e86bad7e-...
 *   Data segments:
 *     0: crypt
 *       offset: 16777216 [bytes]
 *       cipher: aes-xts-plain64
 * LUKS1 instead prints "Payload offset: 4096" in 512-byte sectors.
 */
export function parseLuksDump(text: string): LuksDump {
  const version = Number(/^Version:\s*(\d+)/m.exec(text)?.[1]);
  if (!Number.isInteger(version)) throw new Error('luksDump output has no "Version:" line');
  const uuid = /^UUID:\s*(\S+)/m.exec(text)?.[1];
  if (version === 1) {
    const sectors = Number(/^Payload offset:\s*(\d+)/m.exec(text)?.[1]);
    if (!Number.isFinite(sectors)) throw new Error('LUKS1 luksDump output has no "Payload offset:" line');
    const cipher = /^Cipher name:\s*(\S+)/m.exec(text)?.[1];
    const mode = /^Cipher mode:\s*(\S+)/m.exec(text)?.[1];
    return { version, uuid, dataOffsetBytes: sectors * 512, cipher: cipher && mode ? `${cipher}-${mode}` : cipher };
  }
  // The first segment's block: from "Data segments:" up to the next top-level section.
  const seg = /^Data segments:\n([\s\S]*?)(?=^\S)/m.exec(`${text}\nEND`)?.[1] ?? '';
  const offset = /^\s+offset:\s*(\d+)\s*\[bytes\]/m.exec(seg)?.[1];
  if (offset === undefined) throw new Error('luksDump output has no data segment offset');
  return { version, uuid, dataOffsetBytes: Number(offset), cipher: /^\s+cipher:\s*(\S+)/m.exec(seg)?.[1] };
}

export interface CryptStatus {
  active: boolean;
  inUse: boolean;
  type?: string;
  device?: string;
  offsetSectors?: number;
  sizeSectors?: number;
}

/**
 * `cryptsetup status NAME`: "/dev/mapper/NAME is active[ and is in use]." then "  key:  value"
 * lines (type, cipher, device, offset, size, mode), or "/dev/mapper/NAME is inactive." (exit 4).
 */
export function parseCryptStatus(stdout: string): CryptStatus {
  const first = stdout.split('\n', 1)[0] ?? '';
  if (/ is inactive\.?$/.test(first.trim()) || !/ is active/.test(first)) return { active: false, inUse: false };
  const field = (name: string) => new RegExp(`^\\s+${name}:\\s*(.+?)\\s*$`, 'm').exec(stdout)?.[1];
  const sectors = (name: string) => {
    const m = /^(\d+)\s+sectors/.exec(field(name) ?? '');
    return m ? Number(m[1]) : undefined;
  };
  return {
    active: true,
    inUse: / is active and is in use/.test(first),
    type: field('type'),
    device: field('device'),
    offsetSectors: sectors('offset'),
    sizeSectors: sectors('size'),
  };
}

/**
 * The LUKS layer: dm-crypt over the device of the layer below, with the per-volume key the
 * controller derives from the cluster passphrase (DesiredVolume.luks_key, base64 text).
 *
 * apply, per volume: `cryptsetup status <res>_<nnnnn>`; when not active: format the backing device
 * if it is not LUKS yet (`isLuks`, then `luksFormat --type luks2`), then `open` it as
 * /dev/mapper/<res>_<nnnnn>. The usable size is the backing size minus the real data offset read
 * from `luksDump`. An open mapping smaller than that (the volume grew) is resized. Keys go through
 * stdin only. remove: `cryptsetup close`, then the layers below.
 *
 * Without a key (the controller sends none while the cluster passphrase is locked) nothing is
 * created or formatted, not even the volumes below: the resource gets an error that says to enter the
 * passphrase. Mappings that are already open need no key and keep being reported normally (after a
 * controller restart the passphrase is locked, but the volumes it opened before are still there).
 */
import { CommandError, type CommandRunner, type RunOptions } from '../../../exec/runner.js';
import { volumeName, type DesiredResource, type DesiredVolume, type ObservedLayerVolume } from '../../protocol.js';
import { SatelliteError } from '../../reports.js';
import type { Layer, LayerContext, LayerVolumes } from '../layer.js';
import { isDisklessResource } from '../storage.js';
import {
  CRYPTSETUP, EXIT, LUKS2_HEADER_KIB, type LuksFormatOptions, closeArgs, isLuksArgs, luksDumpArgs, luksFormatArgs, openArgs,
  resizeArgs, statusArgs, testPassphraseArgs,
} from './commands.js';
import { type CryptStatus, parseCryptStatus, parseLuksDump } from './parse.js';

export interface LuksLayerOptions {
  /** cryptsetup binary (default `cryptsetup` from PATH). */
  cryptsetup?: string;
  /** luksFormat PBKDF settings (tests: `{pbkdf: 'pbkdf2', pbkdfForceIterations: 1000}`). */
  format?: LuksFormatOptions;
  /** Timeout of one cryptsetup call; luksFormat with argon2 takes seconds (default 120 s). */
  timeoutMs?: number;
}

/** The device-mapper name (and so /dev/mapper/<name>) of a volume's LUKS mapping. */
export function luksMapperName(resource: string, volumeNumber: number): string {
  return volumeName(resource, volumeNumber);
}

/** True when `key` opens the LUKS header on `device` (header check only; works without device-mapper). */
export async function luksKeyOpens(runner: CommandRunner, device: string, key: string, opts: LuksLayerOptions = {}): Promise<boolean> {
  const res = await runner.run(opts.cryptsetup ?? CRYPTSETUP, testPassphraseArgs(device), {
    input: key, timeoutMs: opts.timeoutMs ?? 120_000, okExitCodes: [EXIT.OK, EXIT.WRONG_KEY],
  });
  return res.exitCode === EXIT.OK;
}

/** The error of a diskful LUKS resource whose volumes need a key the controller did not send. */
export function lockedPassphraseError(resource: string, volumeNumbers: readonly number[]): SatelliteError {
  const which = volumeNumbers.length === 1 ? `Volume ${volumeNumbers[0]}` : `Volumes ${volumeNumbers.join(', ')}`;
  return new SatelliteError(
    `${which} of resource '${resource}' cannot be opened or created, the controller sent no key: ` +
    'the cluster passphrase is locked: enter it with `storhub encryption enter-passphrase` / PATCH /v1/encryption/passphrase', {
      cause: 'LUKS keys are derived from the cluster encryption passphrase, which the controller holds only after it was entered ' +
        '(again after every controller start). Nothing was created or formatted.',
      correction: 'Enter the passphrase (storhub encryption enter-passphrase, or PATCH /v1/encryption/passphrase); ' +
        'the controller then resyncs this node and the volumes are created and opened.',
    });
}

export function createLuksLayer(opts: LuksLayerOptions = {}): Layer {
  const bin = opts.cryptsetup ?? CRYPTSETUP;
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const run = (ctx: LayerContext, args: string[], more: RunOptions = {}) => ctx.runner.run(bin, args, { timeoutMs, ...more });

  async function status(ctx: LayerContext, name: string): Promise<CryptStatus> {
    const res = await run(ctx, statusArgs(name), { okExitCodes: [EXIT.OK, EXIT.INACTIVE] });
    return res.exitCode === EXIT.INACTIVE ? { active: false, inUse: false } : parseCryptStatus(res.stdout);
  }

  async function applyVolume(ctx: LayerContext, resource: DesiredResource, vol: DesiredVolume, below: ObservedLayerVolume): Promise<ObservedLayerVolume> {
    const backing = below.device_path!;
    const key = vol.luks_key;
    const name = luksMapperName(resource.name, vol.volume_number);
    let st = await status(ctx, name);
    if (!key && !st.active) throw lockedPassphraseError(resource.name, [vol.volume_number]);
    if (st.active && st.device && st.device !== backing) {
      throw new SatelliteError(`The LUKS mapping ${name} is open on ${st.device}, not on ${backing}`, {
        correction: `Close it (cryptsetup close ${name}) after checking nothing uses it; the satellite then opens it on the right device.`,
      });
    }
    if (!st.active && key) {
      const isLuks = await run(ctx, isLuksArgs(backing), { okExitCodes: [EXIT.OK, EXIT.NOT_LUKS] });
      if (isLuks.exitCode === EXIT.NOT_LUKS) {
        // A new volume: the storage layer just created it. Formatting destroys nothing of value.
        ctx.log.info({ device: backing, name }, 'luksFormat');
        await run(ctx, luksFormatArgs(backing, opts.format), { input: key });
      }
      try {
        await run(ctx, openArgs(backing, name), { input: key });
      } catch (err) {
        if (err instanceof CommandError && err.exitCode === EXIT.WRONG_KEY) {
          throw new SatelliteError(`The LUKS key of volume ${vol.volume_number} of resource '${resource.name}' does not open ${backing}`, {
            cause: err.stderr.trim() || 'No key available with this passphrase.',
            correction: 'The device was formatted with another key (another cluster, or a master key that was replaced). Restore the original passphrase, or delete and recreate the resource.',
          });
        }
        throw err;
      }
      st = await status(ctx, name);
    }
    const dump = parseLuksDump((await run(ctx, luksDumpArgs(backing))).stdout);
    const offsetKib = Math.ceil(dump.dataOffsetBytes / 1024);
    const usable = below.usable_size_kib !== undefined ? Math.max(0, below.usable_size_kib - offsetKib) : undefined;
    if (usable !== undefined && st.sizeSectors !== undefined && st.sizeSectors / 2 < usable) {
      // The volume below grew while the mapping stayed open.
      if (key) {
        ctx.log.info({ name, from_kib: st.sizeSectors / 2, to_kib: usable }, 'cryptsetup resize');
        await run(ctx, resizeArgs(name), { input: key });
      } else {
        ctx.reports.push({
          severity: 'warn',
          message: `The LUKS mapping ${name} is not grown yet: the cluster passphrase is locked (enter it with \`storhub encryption enter-passphrase\`).`,
        });
      }
    }
    return {
      layer: 'LUKS',
      device_path: `/dev/mapper/${name}`,
      backing_device: backing,
      allocated_size_kib: below.allocated_size_kib,
      usable_size_kib: usable,
      disk_state: below.disk_state,
    };
  }

  return {
    kind: 'LUKS',

    lowerSizeKib(_resource, _volume, sizeKib) {
      return sizeKib + LUKS2_HEADER_KIB;
    },

    async apply(ctx, resource, next): Promise<LayerVolumes> {
      if (!isDisklessResource(resource)) {
        // Checked before the layers below run: without a key not even their volumes are created.
        const closed: number[] = [];
        for (const vol of resource.volumes) {
          if (!vol.luks_key && !(await status(ctx, luksMapperName(resource.name, vol.volume_number))).active) closed.push(vol.volume_number);
        }
        if (closed.length) throw lockedPassphraseError(resource.name, closed);
      }
      const lower = await next();
      const out: LayerVolumes = new Map();
      const failures: string[] = [];
      let firstError: unknown;
      for (const vol of resource.volumes) {
        const chain = lower.get(vol.volume_number) ?? [];
        const below = chain[0];
        if (!below?.device_path) {
          // Diskless below (e.g. a DRBD client): nothing to encrypt here.
          out.set(vol.volume_number, [{ layer: 'LUKS', disk_state: below?.disk_state }, ...chain]);
          continue;
        }
        try {
          out.set(vol.volume_number, [await applyVolume(ctx, resource, vol, below), ...chain]);
        } catch (err) {
          firstError ??= err;
          failures.push(`volume ${vol.volume_number}: ${(err as Error).message}`);
        }
      }
      if (failures.length === 1) throw firstError;
      if (failures.length > 1) throw new SatelliteError(`LUKS of resource '${resource.name}' failed: ${failures.join('; ')}`);
      return out;
    },

    async remove(ctx, resource, next) {
      const failures: string[] = [];
      for (const vol of resource.volumes) {
        const name = luksMapperName(resource.name, vol.volume_number);
        try {
          const st = await status(ctx, name);
          if (st.active) {
            await run(ctx, closeArgs(name));
            ctx.log.info({ name }, 'closed LUKS mapping');
          }
        } catch (err) {
          failures.push(`${name}: ${(err as Error).message}`);
        }
      }
      // A mapping that is still open holds the device below: removing that would fail or worse.
      if (failures.length) throw new SatelliteError(`Closing the LUKS mappings of resource '${resource.name}' failed: ${failures.join('; ')}`);
      await next();
    },
  };
}

/**
 * The DRBD layer. apply: the layers below make the backing devices (not for a diskless DRBD client),
 * the .res file is written and checked by drbdadm before it replaces the old one, fresh backing devices
 * get internal metadata (drbdmeta create-md, only where none is found: LINSTOR never re-creates or
 * wipes it), and where the kernel module is loaded `drbdadm adjust` brings DRBD in line and
 * `drbdsetup events2 --now` says what state it is in. remove: `drbdsetup down`, the .res file goes
 * (metadata is left, as LINSTOR does), then the layers below are removed.
 *
 * Every command goes through the CommandRunner; on a node without the module (as reported by
 * detectDrbd) nothing that needs the kernel is run.
 */
import { CommandError } from '../../../exec/runner.js';
import type { DesiredDrbd, DesiredResource, ObservedLayerVolume } from '../../protocol.js';
import { SatelliteError } from '../../reports.js';
import type { Layer, LayerContext, LayerVolumes } from '../layer.js';
import { DEFAULT_TOOLS, adjust, down, events2Now, metaCreate, metaDstate, resumeIo, suspendIo, type DrbdTools, type MetaTarget } from './drbdadm.js';
import { observe, parseEvents2, type DrbdObservation, type DrbdResourceState } from './events2.js';
import { DEFAULT_AL_STRIPES, DEFAULT_AL_STRIPE_SIZE_KIB, grossSizeKib, netSizeKib, type MetadataGeometry } from './metadata.js';
import { renderResFile } from './res-file.js';
import { cleanDrbdOutput, drbdFiles, removeResFile, writeResFile, type DrbdExec, type DrbdFiles } from './res-store.js';

export interface DrbdLayerOptions {
  /** Where the .res files and the wrapper config live (default /var/lib/storhub/drbd.d). */
  files?: DrbdFiles;
  tools?: DrbdTools;
  /** Extra environment for drbd-utils. */
  env?: Record<string, string>;
  /** From detectDrbd: adjust, down and events2 only run when the DRBD 9 module is loaded. */
  moduleLoaded: boolean;
  timeoutMs?: number;
}

export interface DrbdLayer extends Layer {
  /** DRBD's view of the resource (in use, connections, per-volume states); undefined without the module. */
  observe(ctx: LayerContext, resource: DesiredResource): Promise<DrbdObservation | undefined>;
  /** Suspends I/O on every volume with a minor (snapshots); a no-op without the module (nothing runs). */
  suspendIo(ctx: LayerContext, resource: DesiredResource): Promise<void>;
  /** Resumes what suspendIo suspended; tries every volume even when one fails. */
  resumeIo(ctx: LayerContext, resource: DesiredResource): Promise<void>;
}

export function geometryOf(drbd: DesiredDrbd): MetadataGeometry {
  return {
    peerSlots: drbd.peer_slots,
    alStripes: drbd.al_stripes > 0 ? drbd.al_stripes : DEFAULT_AL_STRIPES,
    alStripeSizeKib: drbd.al_stripe_size_kib > 0 ? drbd.al_stripe_size_kib : DEFAULT_AL_STRIPE_SIZE_KIB,
  };
}

export type MetadataOutcome = 'created' | 'present';

/**
 * Creates DRBD internal metadata on `target.device` unless valid metadata is already there.
 * drbdmeta's `dstate` exits 0 on a device with metadata and 1 with "No valid meta data found" on one
 * without; anything else (a missing device, an attached minor) is an error, and nothing is written.
 */
export async function ensureMetadata(exec: DrbdExec, target: MetaTarget, g: MetadataGeometry): Promise<MetadataOutcome> {
  const tools = exec.tools ?? DEFAULT_TOOLS;
  const [file, args] = metaDstate(tools, target);
  const probe = await exec.runner.run(file, args, { env: exec.env, timeoutMs: exec.timeoutMs, okExitCodes: [0, 1] });
  if (probe.exitCode === 0) return 'present';
  if (!/no valid meta ?data found/i.test(probe.stderr + probe.stdout)) {
    throw new CommandError([file, ...args], probe.exitCode, probe.stdout, probe.stderr, `exit code ${probe.exitCode}`);
  }
  const [cfile, cargs] = metaCreate(tools, target, g.peerSlots, g.alStripes ?? DEFAULT_AL_STRIPES, g.alStripeSizeKib ?? DEFAULT_AL_STRIPE_SIZE_KIB);
  await exec.runner.run(cfile, cargs, { env: exec.env, timeoutMs: exec.timeoutMs });
  return 'created';
}

export function createDrbdLayer(opts: DrbdLayerOptions): DrbdLayer {
  const files = opts.files ?? drbdFiles();
  const tools = opts.tools ?? DEFAULT_TOOLS;
  const execOf = (ctx: LayerContext): DrbdExec => ({ runner: ctx.runner, tools, env: opts.env, timeoutMs: opts.timeoutMs });

  async function state(ctx: LayerContext, resource: string): Promise<DrbdResourceState | undefined> {
    const [file, args] = events2Now(tools, resource);
    const res = await ctx.runner.run(file, args, { env: opts.env, timeoutMs: opts.timeoutMs ?? 15_000 });
    return parseEvents2(res.stdout).get(resource);
  }

  return {
    kind: 'DRBD',

    lowerSizeKib(resource, _volume, sizeKib) {
      return resource.drbd ? grossSizeKib(sizeKib, geometryOf(resource.drbd)) : sizeKib;
    },

    async apply(ctx, resource, next) {
      const drbd = resource.drbd;
      if (!drbd) {
        throw new SatelliteError(`Resource '${resource.name}' has DRBD in its layer list but the controller sent no DRBD settings`, {
          correction: 'This is a controller bug; restart the satellite to force a full sync, and report it if it persists.',
        });
      }
      const below: LayerVolumes = drbd.diskless ? new Map() : await next();
      const backing = new Map<number, string>();
      if (!drbd.diskless) {
        for (const vol of resource.volumes) {
          const dev = below.get(vol.volume_number)?.[0]?.device_path;
          if (!dev) throw new SatelliteError(`The layer below DRBD gave no block device for volume ${vol.volume_number} of resource '${resource.name}'`);
          backing.set(vol.volume_number, dev);
        }
      }

      let text: string;
      try {
        const rendered = renderResFile({ resource, localNode: ctx.node_name, backing });
        text = rendered.text;
        if (rendered.skipped.length) {
          ctx.reports.push({
            severity: 'warn',
            message: `DRBD options of resource '${resource.name}' that drbd-utils does not know were left out: ${rendered.skipped.join(', ')}`,
            correction: 'Remove these properties (see `drbdsetup xml-help` for the options of the installed drbd-utils).',
          });
        }
      } catch (err) {
        throw new SatelliteError(`Cannot write the DRBD configuration of resource '${resource.name}': ${(err as Error).message}`);
      }
      const exec = execOf(ctx);
      const written = await writeResFile(exec, files, resource.name, text);
      if (written.changed) ctx.log.info({ resource: resource.name, path: written.path }, 'DRBD resource file written');

      const geometry = geometryOf(drbd);
      for (const vol of resource.volumes) {
        const device = backing.get(vol.volume_number);
        if (!device || vol.minor_number === undefined) continue;
        const outcome = await ensureMetadata(exec, { minor: vol.minor_number, device }, geometry);
        if (outcome === 'created') ctx.log.info({ resource: resource.name, volume: vol.volume_number, device }, 'DRBD metadata created');
      }

      let current: DrbdResourceState | undefined;
      if (opts.moduleLoaded) {
        const [file, args] = adjust(tools, files.wrapperConf, resource.name);
        await ctx.runner.run(file, args, { env: opts.env, timeoutMs: opts.timeoutMs ?? 120_000 });
        current = await state(ctx, resource.name);
      } else {
        ctx.reports.push({
          severity: 'warn',
          message: `DRBD resource '${resource.name}' is configured on node '${ctx.node_name}' but not started: the DRBD kernel module is not loaded`,
          correction: 'Load the DRBD 9 kernel module (modprobe drbd) and restart the satellite.',
        });
      }

      const out: LayerVolumes = new Map();
      for (const vol of resource.volumes) {
        const lower = below.get(vol.volume_number) ?? [];
        const base = lower[0];
        const minor = vol.minor_number;
        const mine: ObservedLayerVolume = { layer: 'DRBD' };
        if (minor !== undefined) mine.device_path = `/dev/drbd${minor}`;
        if (base?.device_path) mine.backing_device = base.device_path;
        if (drbd.diskless) mine.usable_size_kib = vol.size_kib;
        else if (base?.usable_size_kib !== undefined) mine.usable_size_kib = netSizeKib(base.usable_size_kib, geometry);
        if (base?.allocated_size_kib !== undefined) mine.allocated_size_kib = base.allocated_size_kib;
        const disk = current?.devices.get(vol.volume_number)?.disk;
        if (disk) mine.disk_state = disk;
        out.set(vol.volume_number, [mine, ...lower]);
      }
      return out;
    },

    async remove(ctx, resource, next) {
      if (opts.moduleLoaded) {
        const [file, args] = down(tools, resource.name);
        const res = await ctx.runner.run(file, args, { env: opts.env, timeoutMs: opts.timeoutMs ?? 120_000, okExitCodes: [0, 10] });
        // Exit 10 with "unknown resource" means it is already down; any other failure stops the removal
        // (the backing devices must not go while DRBD still holds them).
        if (res.exitCode !== 0 && !/unknown resource|no such resource|not known/i.test(res.stderr + res.stdout)) {
          throw new CommandError([file, ...args], res.exitCode, res.stdout, cleanDrbdOutput(res.stderr), `exit code ${res.exitCode}`);
        }
      }
      await removeResFile(files, resource.name);
      await next();
    },

    async observe(ctx, resource) {
      if (!opts.moduleLoaded) return undefined;
      const s = await state(ctx, resource.name);
      return s ? observe(s) : undefined;
    },

    async suspendIo(ctx, resource) {
      if (!opts.moduleLoaded) return;
      for (const vol of resource.volumes) {
        if (vol.minor_number === undefined) continue;
        const [file, args] = suspendIo(tools, vol.minor_number);
        await ctx.runner.run(file, args, { env: opts.env, timeoutMs: opts.timeoutMs ?? 30_000 });
      }
    },

    async resumeIo(ctx, resource) {
      if (!opts.moduleLoaded) return;
      let first: unknown;
      for (const vol of resource.volumes) {
        if (vol.minor_number === undefined) continue;
        const [file, args] = resumeIo(tools, vol.minor_number);
        try {
          await ctx.runner.run(file, args, { env: opts.env, timeoutMs: opts.timeoutMs ?? 30_000 });
        } catch (err) {
          // Every other volume must get its I/O back; the first failure is what the caller reports.
          first ??= err;
        }
      }
      if (first) throw first;
    },
  };
}

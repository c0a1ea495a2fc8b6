/**
 * Auto snapshots, as LINSTOR's AutoSnapshotTask: a resource definition whose `AutoSnapshot/RunEvery`
 * (minutes; resource definition, then its group, then the controller) is above 0 gets a snapshot
 * every that many minutes, the first one interval after the setting was seen. The snapshot is named
 * `<AutoSnapshot/Prefix, default autoSnap><id, 5 digits>` with the id from the definition's
 * `AutoSnapshot/NextAutoId` (incremented and stored with the snapshot), flagged AUTO_SNAPSHOT. After
 * each one, the oldest auto snapshots beyond `AutoSnapshot/Keep` (default 10; <= 0 keeps all) are
 * deleted; snapshots without the flag (made by a user) are never touched. A definition with a
 * resource on a node whose satellite is not connected is skipped for that round, as LINSTOR does.
 *
 * The clock is injectable and `tick()` runs one round, so tests drive it without timers.
 */
import type { Logger } from 'pino';
import { resolve } from '../../props/resolve.js';
import type { ResourceDefinitionRecord } from '../../store/records.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { satelliteConnected } from '../satellites/deletion.js';
import { compareSnapshots, findSnapshot, isDeletingRsc } from '../services/snapshot-common.js';
import { SnapshotService } from '../services/snapshots.js';

export const AUTO_SNAPSHOT_PREFIX = 'autoSnap';
export const AUTO_SNAPSHOT_KEEP = 10;
const MINUTE_MS = 60_000;
/** The inheritance order of the AutoSnapshot keys (LINSTOR: rd, rg, controller). */
const ORDER = ['resourceDefinition', 'resourceGroup', 'controller'] as const;

export interface AutoSnapshotOptions {
  now?: () => number;
  /** How often the task looks for due snapshots. */
  tickMs?: number;
  log?: Logger;
}

export interface TickResult {
  created: string[];
  deleted: string[];
}

export class AutoSnapshotTask {
  private readonly now: () => number;
  private readonly tickMs: number;
  private readonly log: Logger;
  private readonly snapshots: SnapshotService;
  /** Per resource definition key: the interval seen and when the next snapshot is due. */
  private readonly schedule = new Map<string, { everyMs: number; at: number }>();
  /** The last problem logged per definition (repeats go to debug). */
  private readonly lastProblem = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly c: Controller, opts: AutoSnapshotOptions = {}) {
    this.now = opts.now ?? Date.now;
    this.tickMs = opts.tickMs ?? 10_000;
    this.log = (opts.log ?? c.log).child({ component: 'auto-snapshot' });
    this.snapshots = new SnapshotService(c, { now: this.now });
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      try {
        this.tick();
      } catch (err) {
        this.c.recordError(err, 'Running the auto-snapshot task');
      }
    }, this.tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round: every definition that is due gets its snapshot, then its old auto snapshots go. */
  tick(): TickResult {
    const result: TickResult = { created: [], deleted: [] };
    const now = this.now();
    const seen = new Set<string>();
    for (const rd of this.c.graph.resourceDefinitions.values()) {
      if (rd.flags.includes('DELETE')) continue;
      const minutes = this.setting(rd, 'AutoSnapshot/RunEvery', 0);
      if (minutes <= 0) continue;
      const rdKey = key.rd(rd.name);
      seen.add(rdKey);
      const everyMs = minutes * MINUTE_MS;
      const entry = this.schedule.get(rdKey);
      if (!entry || entry.everyMs !== everyMs) {
        this.schedule.set(rdKey, { everyMs, at: now + everyMs });
        continue;
      }
      if (now < entry.at) continue;
      // Late rounds (a suspended machine) make one snapshot, not one per missed interval.
      entry.at = entry.at + everyMs > now ? entry.at + everyMs : now + everyMs;
      this.runFor(rd, result);
    }
    for (const k of [...this.schedule.keys()]) if (!seen.has(k)) this.schedule.delete(k);
    return result;
  }

  private runFor(rd: ResourceDefinitionRecord, result: TickResult): void {
    const offline = this.c.graph.resourcesOf(rd.name).filter((r) => !isDeletingRsc(r, rd) && !satelliteConnected(this.c, r.node_name));
    if (offline.length) {
      this.problem(rd.name, `skipping the auto snapshot of '${rd.name}': nodes ${offline.map((r) => r.node_name).join(', ')} are not connected`);
      return;
    }
    const prefix = this.prefix(rd);
    let id = Number.parseInt(rd.props['AutoSnapshot/NextAutoId'] ?? '0', 10);
    if (!Number.isSafeInteger(id) || id < 0) id = 0;
    let name: string;
    do {
      id++;
      name = `${prefix}${String(id).padStart(5, '0')}`;
    } while (findSnapshot(this.c.graph, rd.name, name));
    try {
      this.snapshots.createAuto(rd, name, id);
      result.created.push(`${rd.name}/${name}`);
      this.lastProblem.delete(key.rd(rd.name));
      this.log.info({ resource: rd.name, snapshot: name }, 'auto snapshot created');
    } catch (err) {
      this.problem(rd.name, `auto snapshot of '${rd.name}' failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.cleanup(rd.name, result);
  }

  /** Deletes the oldest auto snapshots beyond Keep; manual snapshots are never candidates. */
  private cleanup(rdName: string, result: TickResult): void {
    const rd = this.c.graph.resourceDefinition(rdName);
    if (!rd) return;
    const keep = this.setting(rd, 'AutoSnapshot/Keep', AUTO_SNAPSHOT_KEEP);
    if (keep <= 0) return;
    const pattern = new RegExp(`^${escapeRegExp(this.prefix(rd))}[0-9]+$`);
    const autos = this.c.graph.snapshotsOf(rd.name)
      .filter((s) => s.flags.includes('AUTO_SNAPSHOT') && !s.flags.includes('DELETE') && pattern.test(s.name))
      .sort(compareSnapshots);
    for (const s of autos.slice(0, Math.max(0, autos.length - keep))) {
      try {
        this.snapshots.delete(rd.name, s.name, []);
        result.deleted.push(`${rd.name}/${s.name}`);
        this.log.info({ resource: rd.name, snapshot: s.name, keep }, 'auto snapshot cleanup: deleting an old auto snapshot');
      } catch (err) {
        this.problem(rd.name, `auto snapshot cleanup of '${rd.name}/${s.name}' failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private containers(rd: ResourceDefinitionRecord) {
    return {
      resourceDefinition: rd.props,
      resourceGroup: this.c.graph.resourceGroup(rd.resource_group_name)?.props,
      controller: this.c.graph.controller.props,
    };
  }

  /** An integer setting through the inheritance order; an unparsable value counts as the default. */
  private setting(rd: ResourceDefinitionRecord, k: string, dflt: number): number {
    const found = resolve(ORDER, this.containers(rd), k);
    if (!found) return dflt;
    const n = Number.parseInt(found.value.trim(), 10);
    return Number.isSafeInteger(n) ? n : dflt;
  }

  private prefix(rd: ResourceDefinitionRecord): string {
    return resolve(ORDER, this.containers(rd), 'AutoSnapshot/Prefix')?.value || AUTO_SNAPSHOT_PREFIX;
  }

  private problem(rdName: string, message: string): void {
    const k = key.rd(rdName);
    if (this.lastProblem.get(k) === message) this.log.debug(message);
    else this.log.warn(message);
    this.lastProblem.set(k, message);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

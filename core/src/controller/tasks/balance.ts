/**
 * BalanceResources: keeps every resource definition at its resource group's place_count by adding
 * the missing diskful replicas with the autoplacer (the group's filter, as a spawn would). It never
 * removes replicas. Controller properties: BalanceResourcesEnabled (also per definition; default
 * true), BalanceResourcesInterval (seconds, default 3600), BalanceResourcesGracePeriod (seconds,
 * default 3600: definitions with a replica younger than that are left alone, they may still be
 * settling). Only DRBD definitions are balanced (a new replica of anything else would start empty),
 * and only ones that have replicas at all (a definitions-only spawn stays as it is).
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import type { ResourceDefinitionRecord } from '../../store/records.js';
import { existingReplicas } from '../autoplacer/adapter.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { PlacementService } from '../services/placement.js';
import { mergeFilters } from '../services/select-filter.js';
import { drbdAutomatisms } from '../services/tiebreaker.js';
import { numberProp, type TaskOptions } from './auto-evict.js';

export const ENABLED = 'BalanceResourcesEnabled';
export const INTERVAL = 'BalanceResourcesInterval';
export const GRACE = 'BalanceResourcesGracePeriod';

export class BalanceTask {
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private readonly now: () => number;

  constructor(private readonly c: Controller, private readonly opts: TaskOptions = {}) {
    this.now = opts.now ?? Date.now;
  }

  /** One pass over every definition; returns the entries of the placements it made. */
  tick(): ApiCallRc[] {
    const g = this.c.graph;
    if (g.controller.props[ENABLED]?.trim().toLowerCase() === 'false') return [];
    const grace = numberProp(g.controller.props[GRACE], 3600) * 1000;
    const now = this.now();
    const out: ApiCallRc[] = [];
    for (const rd of g.resourceDefinitions.values()) {
      const placeCount = this.shortOf(rd, now, grace);
      if (placeCount === undefined) continue;
      const group = g.resourceGroup(rd.resource_group_name)!.select_filter;
      const change = new Change();
      let answers: ApiCallRc[];
      try {
        answers = new PlacementService(this.c).place(rd, mergeFilters({ place_count: placeCount, diskless_on_remaining: false }, group), change);
      } catch (err) {
        // No room now; the next pass tries again.
        if (!(err instanceof StorhubError)) throw err;
        this.opts.log?.info({ resource: rd.name, reason: err.message }, 'balance: cannot add the missing replicas');
        continue;
      }
      answers.push(...drbdAutomatisms(this.c, rd.name, change, { op: 'CREATE' }));
      this.c.commit(change);
      out.push(...answers);
    }
    return out;
  }

  /** The place_count the definition falls short of, or undefined when it is to be left alone. */
  private shortOf(rd: ResourceDefinitionRecord, now: number, grace: number): number | undefined {
    const g = this.c.graph;
    if (rd.flags.includes('DELETE') || rd.props[ENABLED]?.trim().toLowerCase() === 'false') return undefined;
    const placeCount = g.resourceGroup(rd.resource_group_name)?.select_filter.place_count;
    if (!placeCount) return undefined;
    const resources = g.resourcesOf(rd.name);
    if (resources.length === 0 || !resources.some((r) => r.layer_stack.includes('DRBD'))) return undefined;
    // Young replicas, or moves in progress: let them settle first.
    if (resources.some((r) => now - r.create_timestamp < grace || r.flags.includes('EVACUATE'))) return undefined;
    const diskful = existingReplicas(g, rd.name).filter((e) => !e.diskless).length;
    return diskful < placeCount ? placeCount : undefined;
  }

  /** Runs `tick` every BalanceResourcesInterval seconds (read anew each time) until stopped. */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    const seconds = Math.max(1, numberProp(this.c.graph.controller.props[INTERVAL], 3600));
    this.timer = setTimeout(() => {
      try {
        const done = this.tick();
        if (done.length) this.opts.log?.info({ entries: done.map((e) => e.message) }, 'balance');
      } catch (err) {
        this.c.recordError(err, 'BalanceResources task');
      }
      this.schedule();
    }, seconds * 1000);
    this.timer.unref();
  }
}

/**
 * Fixtures for the node-operation tests: a FakeRuntime whose resources can report DRBD state (disk
 * states, in use, peer connections), and a cluster of nodes with one FILE_THIN pool each.
 */
import type { ResourceRuntime } from '../src/controller/runtime.js';
import { codes, makeApi, makeController, type TestApi } from './helpers.js';
import { addNode } from './resource-fixtures.js';
import { FakeRuntime, GiB } from './placement-fixtures.js';

/** A FakeRuntime that also answers what tests say about resources. */
export class SyncRuntime extends FakeRuntime {
  private readonly rsc = new Map<string, ResourceRuntime>();

  constructor() {
    super({ pool: { free_capacity: 50 * GiB, total_capacity: 50 * GiB } });
  }

  override resource(rd?: string, node?: string): ResourceRuntime {
    return this.rsc.get(`${rd}/${node}`.toUpperCase()) ?? {};
  }

  setResource(rd: string, node: string, rt: ResourceRuntime): this {
    this.rsc.set(`${rd}/${node}`.toUpperCase(), rt);
    return this;
  }

  /** Every volume of the replica reports `state` (UpToDate after a finished sync). */
  diskState(rd: string, node: string, state: string, volumes = [0]): this {
    return this.setResource(rd, node, { volumes: Object.fromEntries(volumes.map((v) => [v, { disk_state: state }])) });
  }
}

export async function cluster(n: number): Promise<{ api: TestApi; rt: SyncRuntime }> {
  const rt = new SyncRuntime();
  const api = await makeApi(makeController(':memory:', rt));
  for (let i = 1; i <= n; i++) await addNode(api, `n${i}`);
  return { api, rt };
}

/** node -> flags of every resource of the definition. */
export function layout(api: TestApi, rd: string): Record<string, string[]> {
  return Object.fromEntries(api.controller.graph.resourcesOf(rd).map((r) => [r.node_name, r.flags]));
}

export const nodeFlags = (api: TestApi, node: string) => api.controller.graph.node(node)!.flags;

/** Codes of an answer as "severity:code" strings (short to compare). */
export const codeList = (body: Array<{ ret_code: bigint | number }>) => codes(body).map((c) => `${c.severity}:${c.code}`);

export const TB = ['DISKLESS', 'DRBD_DISKLESS', 'TIE_BREAKER'];

/**
 * Fixtures for the resource tests: nodes, storage pools, resource and volume definitions through the
 * REST API, and bulk records straight through a Change for the large-list tests.
 */
import assert from 'node:assert/strict';
import type { TestApi } from './helpers.js';
import { satelliteNode } from './helpers.js';
import { Change } from '../src/controller/change.js';
import { key } from '../src/controller/graph.js';
import type { Controller } from '../src/controller/controller.js';
import type { LayerKind, ProviderKind } from '../src/model/enums.js';
import type { ResourceDefinitionRecord, ResourceRecord } from '../src/store/records.js';

export async function ok(api: TestApi, method: string, url: string, body?: unknown): Promise<any> {
  const res = await api.call(method, url, body);
  assert.ok(res.status < 300, `${method} ${url} -> ${res.status} ${res.raw}`);
  return res.body;
}

export async function addNode(api: TestApi, name: string, pools: Array<[string, ProviderKind]> = [['DfltStorPool', 'FILE_THIN']]): Promise<void> {
  await ok(api, 'POST', '/v1/nodes', satelliteNode(name));
  for (const [pool, kind] of pools) {
    await ok(api, 'POST', `/v1/nodes/${name}/storage-pools`, {
      storage_pool_name: pool, provider_kind: kind, props: { 'StorDriver/StorPoolName': backing(kind, `${name}/${pool}`) },
    });
  }
}

function backing(kind: ProviderKind, id: string): string {
  if (kind === 'LVM_THIN') return 'vg0/thinpool';
  if (kind === 'LVM') return 'vg0';
  if (kind === 'ZFS' || kind === 'ZFS_THIN') return 'tank';
  return `/var/lib/storhub/${id}`;
}

export interface RdOptions {
  layers?: LayerKind[];
  sizes?: number[];
  props?: Record<string, string>;
  peerSlots?: number;
}

/** A resource definition with volume definitions, through the API. */
export async function addRd(api: TestApi, name: string, opts: RdOptions = {}): Promise<void> {
  const body: Record<string, unknown> = {
    resource_definition: {
      name,
      ...(opts.props ? { props: opts.props } : {}),
      ...(opts.layers ? { layer_data: opts.layers.map((type) => ({ type })) } : {}),
    },
  };
  if (opts.peerSlots !== undefined) body.drbd_peer_slots = opts.peerSlots;
  await ok(api, 'POST', '/v1/resource-definitions', body);
  for (const size of opts.sizes ?? [1024]) {
    await ok(api, 'POST', `/v1/resource-definitions/${name}/volume-definitions`, { volume_definition: { size_kib: size } });
  }
}

/**
 * Many definitions and resources written directly (for list tests): `rds` definitions with one
 * 1 GiB volume each, every one placed on `replicas` nodes of `nodes`, round robin.
 */
export function bulkResources(c: Controller, rdNames: string[], nodes: string[], replicas: number, minorBase = 20000): void {
  const change = new Change();
  rdNames.forEach((name, i) => {
    const rd: ResourceDefinitionRecord = {
      name, props: {}, flags: [], layer_stack: ['DRBD', 'STORAGE'], resource_group_name: 'DfltRscGrp',
      drbd: { peer_slots: 7, al_stripes: 1, al_stripe_size_kib: 32, transport_type: 'IP', secret: `secret${i}` },
      volume_definitions: [{ volume_number: 0, size_kib: 1048576, props: {}, flags: [], minor_number: minorBase + i, uuid: `vd-${i}` }],
      uuid: `rd-${i}`,
    };
    change.put('rd', key.rd(name), rd);
    for (let k = 0; k < replicas; k++) {
      const node = nodes[(i + k) % nodes.length];
      const r: ResourceRecord = {
        name, node_name: node, props: { 'Aux/idx': String(i) }, flags: [], layer_stack: ['DRBD', 'STORAGE'],
        drbd: { node_id: k, tcp_ports: [7000 + i], peer_slots: 7 },
        volumes: [{ volume_number: 0, storage_pool_name: 'DfltStorPool', props: {}, flags: [], uuid: `v-${i}-${k}` }],
        create_timestamp: 1700000000000 + i, uuid: `r-${i}-${k}`,
      };
      change.put('rsc', key.rsc(name, node), r);
    }
  });
  c.commit(change);
}

/**
 * Storage pools on nodes: register (creating the storage-pool definition on the way), modify props,
 * delete (refused while volumes live in the pool). The backing pool is the prop
 * `StorDriver/StorPoolName`; the legacy per-driver keys older clients send are converted to it.
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { checkName, nameKey } from '../../model/names.js';
import { PROVIDER_KINDS, type ProviderKind } from '../../model/enums.js';
import type { StoragePoolCreate, StoragePoolModify } from '../../model/storage-pool.js';
import type { Props, ResourceRecord, StoragePoolRecord } from '../../store/records.js';
import { applyPropsModify } from '../../props/modify.js';
import { normaliseKey, validateProp } from '../../props/whitelist.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { propsAnswers } from './props-answer.js';

export const POOL_NAME_KEY = 'StorDriver/StorPoolName';

/** Legacy keys and the kinds they describe (StoragePools.java::convertStorPoolProp in LINSTOR). */
const LEGACY_KEYS: Record<string, ProviderKind[]> = {
  'StorDriver/LvmVg': ['LVM', 'LVM_THIN'],
  'StorDriver/ThinPool': ['LVM_THIN'],
  'StorDriver/ZPool': ['ZFS', 'ZFS_THIN'],
  'StorDriver/ZPoolThin': ['ZFS', 'ZFS_THIN'],
  'StorDriver/FileDir': ['FILE', 'FILE_THIN'],
};

/** What `StorDriver/StorPoolName` names for each kind, for error messages. */
const BACKING: Record<Exclude<ProviderKind, 'DISKLESS'>, { what: string; example: string; valid: RegExp }> = {
  LVM: { what: 'an LVM volume group', example: 'vg0', valid: /^[A-Za-z0-9_.+][A-Za-z0-9_.+-]*$/ },
  LVM_THIN: { what: "'<volume group>/<thin pool>'", example: 'vg0/thinpool', valid: /^[A-Za-z0-9_.+][A-Za-z0-9_.+-]*\/[A-Za-z0-9_.+][A-Za-z0-9_.+-]*$/ },
  ZFS: { what: 'a zpool or dataset', example: 'tank/linstor', valid: /^[A-Za-z0-9][A-Za-z0-9_.:-]*(\/[A-Za-z0-9_.:-]+)*$/ },
  ZFS_THIN: { what: 'a zpool or dataset', example: 'tank/linstor', valid: /^[A-Za-z0-9][A-Za-z0-9_.:-]*(\/[A-Za-z0-9_.:-]+)*$/ },
  FILE: { what: 'an absolute directory path', example: '/var/lib/storhub/pool', valid: /^\/\S*$/ },
  FILE_THIN: { what: 'an absolute directory path', example: '/var/lib/storhub/pool', valid: /^\/\S*$/ },
};

export const poolWhat = (node: string, pool: string) => `storage pool '${pool}' on node '${node}'`;
export const poolRefs = (node: string, pool: string) => ({ Node: node, StorPoolName: pool });

export function parseProviderKind(raw: string | undefined): ProviderKind {
  const kind = raw?.trim().toUpperCase();
  if (!kind || !(PROVIDER_KINDS as readonly string[]).includes(kind)) {
    throw new StorhubError('FAIL_INVLD_STOR_DRIVER', raw ? `Invalid storage driver (provider kind) '${raw}'.` : 'The provider kind is missing.', {
      correction: `Use one of: ${PROVIDER_KINDS.join(', ')}.`,
    });
  }
  return kind as ProviderKind;
}

export class StoragePoolService {
  constructor(private readonly c: Controller) {}

  private node(name: string) {
    const node = this.c.graph.node(name);
    if (!node) throw new StorhubError('FAIL_NOT_FOUND_NODE', `Node '${name}' not found.`, { objRefs: { Node: name } });
    return node;
  }

  /** Pools of one node (404 when the node does not exist). */
  listOn(nodeName: string): StoragePoolRecord[] {
    return this.c.graph.poolsOf(this.node(nodeName).name);
  }

  get(nodeName: string, pool: string): StoragePoolRecord {
    const node = this.node(nodeName);
    const sp = this.c.graph.storagePool(node.name, pool);
    if (!sp) {
      throw new StorhubError('FAIL_NOT_FOUND_STOR_POOL', `Storage pool '${pool}' on node '${node.name}' not found.`, {
        objRefs: poolRefs(node.name, pool),
      });
    }
    return sp;
  }

  create(nodeName: string, body: StoragePoolCreate): ApiCallRc[] {
    const node = this.node(nodeName);
    const name = checkName('storage pool', body.storage_pool_name);
    const kind = parseProviderKind(body.provider_kind);
    const existing = this.c.graph.storagePool(node.name, name);
    if (existing) {
      throw new StorhubError('FAIL_EXISTS_STOR_POOL', `Storage pool '${existing.name}' on node '${node.name}' already exists.`, {
        correction: 'Use a different storage pool name, or delete the existing pool first.',
        objRefs: poolRefs(node.name, existing.name),
      });
    }
    const given = convertLegacyProps(kind, body.props ?? {});
    const props: Props = {};
    for (const [k, v] of Object.entries(given)) props[k] = validateProp('STOR_POOL', k, v);
    checkBacking(kind, props[POOL_NAME_KEY]);
    this.checkProviderSupported(node.name, kind);
    const shared = sharedSpaceName(node.name, name, body.shared_space ?? body.free_space_mgr_name);

    const pool: StoragePoolRecord = {
      node_name: node.name,
      name,
      provider_kind: kind,
      props,
      external_locking: body.external_locking ?? false,
      uuid: this.c.newUuid(),
    };
    if (shared) pool.free_space_mgr_name = shared;
    const change = new Change().put('sp', key.sp(node.name, name), pool);
    // The definition is implicit: creating a pool creates its definition when it is missing.
    if (!this.c.graph.storagePoolDefinition(name)) {
      change.put('spd', key.spd(name), { name, props: {}, uuid: this.c.newUuid() });
    }
    this.c.commit(change);
    return [
      ...propsAnswers('STOR_POOL', { override_props: props }, poolRefs(node.name, name)),
      rc.created('STOR_POOL', poolWhat(node.name, name), poolRefs(node.name, name), pool.uuid, 'registered'),
    ];
  }

  modify(nodeName: string, pool: string, body: StoragePoolModify): ApiCallRc[] {
    const sp = this.get(nodeName, pool);
    const result = applyPropsModify('STOR_POOL', sp.props, body);
    const oldBacking = sp.props[POOL_NAME_KEY];
    const newBacking = result.props[POOL_NAME_KEY];
    if (newBacking !== oldBacking) {
      checkBacking(sp.provider_kind, newBacking);
      const users = this.users(sp);
      if (users.length > 0) {
        throw new StorhubError('FAIL_IN_USE', `The backing pool of ${poolWhat(sp.node_name, sp.name)} cannot change while resources use it: ${names(users)}.`, {
          cause: `'${POOL_NAME_KEY}' names where the volumes already are; changing it would lose them.`,
          correction: 'Move or delete those resources first, or create a new storage pool for the other backing pool.',
          objRefs: poolRefs(sp.node_name, sp.name),
        });
      }
    }
    if (result.changed) this.c.commit(new Change().put('sp', key.sp(sp.node_name, sp.name), { ...sp, props: result.props }));
    return [
      ...propsAnswers('STOR_POOL', body, poolRefs(sp.node_name, sp.name)),
      rc.modified('STOR_POOL', poolWhat(sp.node_name, sp.name), poolRefs(sp.node_name, sp.name), sp.uuid),
    ];
  }

  delete(nodeName: string, pool: string): ApiCallRc[] {
    const node = this.node(nodeName);
    const sp = this.c.graph.storagePool(node.name, pool);
    if (!sp) return [rc.deleteMissing('STOR_POOL', poolWhat(node.name, pool), poolRefs(node.name, pool))];
    const users = this.users(sp);
    if (users.length > 0) {
      throw new StorhubError('FAIL_IN_USE', `${capital(poolWhat(node.name, sp.name))} is still in use by ${users.length} resource(s): ${names(users)}.`, {
        cause: 'A storage pool can only be deleted when no volume is placed in it.',
        correction: `Delete those resources on node '${node.name}' (resource delete ${node.name} <resource>) or move them to another storage pool, then delete the pool.`,
        objRefs: poolRefs(node.name, sp.name),
      });
    }
    this.c.commit(new Change().delete('sp', key.sp(node.name, sp.name)));
    return [rc.deleted('STOR_POOL', poolWhat(node.name, sp.name), poolRefs(node.name, sp.name), sp.uuid)];
  }

  /** Resources on the pool's node with a volume in it (diskless ones count for the diskless pool). */
  private users(sp: StoragePoolRecord): ResourceRecord[] {
    const k = nameKey(sp.name);
    return this.c.graph.resourcesOn(sp.node_name).filter(
      (r) => r.volumes.some((v) => nameKey(v.storage_pool_name) === k)
        || (r.volumes.length === 0 && r.props.StorPoolName !== undefined && nameKey(r.props.StorPoolName) === k),
    );
  }

  /** When the satellite told us what it supports, refuse kinds it cannot run. */
  private checkProviderSupported(nodeName: string, kind: ProviderKind): void {
    const runtime = this.c.runtime.node(nodeName);
    if (!runtime.storage_providers || runtime.storage_providers.includes(kind)) return;
    const why = runtime.unsupported_providers?.[kind]?.join('; ');
    throw new StorhubError('FAIL_STLT_DOES_NOT_SUPPORT_PROVIDER', `Node '${nodeName}' does not support the storage provider ${kind}.`, {
      cause: why ? `The satellite reported: ${why}` : `The satellite supports only: ${runtime.storage_providers.join(', ')}.`,
      correction: 'Install the tools the provider needs on that node and reconnect it, or use another provider kind.',
    });
  }
}

/** Converts LINSTOR's legacy per-driver keys into `StorDriver/StorPoolName` and drops them. */
export function convertLegacyProps(kind: ProviderKind, input: Props): Props {
  const props: Props = {};
  const legacy: Record<string, string> = {};
  for (const [rawKey, value] of Object.entries(input)) {
    const k = normaliseKey(rawKey);
    if (k in LEGACY_KEYS) {
      if (!LEGACY_KEYS[k].includes(kind)) {
        throw new StorhubError('FAIL_INVLD_PROP', `The property '${k}' does not apply to ${kind} storage pools.`, {
          correction: `Give the backing pool as '${POOL_NAME_KEY}'.`,
        });
      }
      legacy[k] = value;
    } else {
      props[k] = value;
    }
  }
  if (props[POOL_NAME_KEY] === undefined && Object.keys(legacy).length > 0) {
    const vg = legacy['StorDriver/LvmVg'];
    const thin = legacy['StorDriver/ThinPool'];
    let converted: string | undefined;
    if (kind === 'LVM_THIN') converted = vg !== undefined && thin !== undefined ? `${vg}/${thin}` : thin ?? vg;
    else converted = vg ?? legacy['StorDriver/ZPool'] ?? legacy['StorDriver/ZPoolThin'] ?? legacy['StorDriver/FileDir'];
    if (converted !== undefined) props[POOL_NAME_KEY] = converted;
  }
  return props;
}

/** Non-diskless pools need a backing pool of the right form for their kind. */
export function checkBacking(kind: ProviderKind, backing: string | undefined): void {
  if (kind === 'DISKLESS') return;
  const rule = BACKING[kind];
  if (backing === undefined || backing.trim() === '') {
    throw new StorhubError('FAIL_MISSING_PROPS', `A ${kind} storage pool needs the property '${POOL_NAME_KEY}'.`, {
      cause: `'${POOL_NAME_KEY}' names the backing pool: ${rule.what}.`,
      correction: `Set props {"${POOL_NAME_KEY}": "${rule.example}"} (CLI: storage-pool create ${kind.toLowerCase().replace('_', '')} <node> <pool> ${rule.example}).`,
    });
  }
  if (!rule.valid.test(backing)) {
    throw new StorhubError('FAIL_INVLD_PROP', `Invalid property(${POOL_NAME_KEY}) value: ${backing}`, {
      details: `A ${kind} storage pool needs ${rule.what}, e.g. '${rule.example}'.`,
      correction: `Give ${rule.what}.`,
    });
  }
}

/** The shared-space name, or undefined when the pool is not shared (LINSTOR's own "node;pool" form). */
function sharedSpaceName(node: string, pool: string, given: string | undefined): string | undefined {
  if (given === undefined || given === '') return undefined;
  if (given.toUpperCase() === `${node};${pool}`.toUpperCase()) return undefined;
  return checkName('shared space', given);
}

function names(rscs: ResourceRecord[]): string {
  const list = rscs.map((r) => r.name);
  return list.slice(0, 10).join(', ') + (list.length > 10 ? ', ...' : '');
}

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

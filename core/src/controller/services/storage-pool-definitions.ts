/**
 * Storage-pool definitions: the cluster-wide name a storage pool has on every node, with props that
 * all pools of that name inherit (e.g. MaxOversubscriptionRatio). DfltStorPool and
 * DfltDisklessStorPool exist from the start (controller/defaults.ts).
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { checkName, nameKey } from '../../model/names.js';
import { DEFAULT_DISKLESS_POOL } from '../../model/enums.js';
import type { StoragePoolDefinitionCreate, StoragePoolDefinitionModify } from '../../model/storage-pool.js';
import type { Props, StoragePoolDefinitionRecord } from '../../store/records.js';
import { applyPropsModify } from '../../props/modify.js';
import { normaliseKey, validateProp } from '../../props/whitelist.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { propsAnswers } from './props-answer.js';

const what = (name: string) => `storage pool definition '${name}'`;
const refs = (name: string) => ({ StorPoolName: name });

export class StoragePoolDefinitionService {
  constructor(private readonly c: Controller) {}

  get(name: string): StoragePoolDefinitionRecord {
    const spd = this.c.graph.storagePoolDefinition(name);
    if (!spd) {
      throw new StorhubError('FAIL_NOT_FOUND_STOR_POOL_DFN', `Storage pool definition '${name}' not found.`, { objRefs: refs(name) });
    }
    return spd;
  }

  create(body: StoragePoolDefinitionCreate): ApiCallRc[] {
    const name = checkName('storage pool', body.storage_pool_name);
    const existing = this.c.graph.storagePoolDefinition(name);
    if (existing) {
      throw new StorhubError('FAIL_EXISTS_STOR_POOL_DFN', `Storage pool definition '${existing.name}' already exists.`, {
        correction: 'Use a different name, or modify the existing definition.',
        objRefs: refs(existing.name),
      });
    }
    const props: Props = {};
    for (const [k, v] of Object.entries(body.props ?? {})) props[normaliseKey(k)] = validateProp('STOR_POOL_DFN', normaliseKey(k), v);
    const spd: StoragePoolDefinitionRecord = { name, props, uuid: this.c.newUuid() };
    this.c.commit(new Change().put('spd', key.spd(name), spd));
    return [
      ...propsAnswers('STOR_POOL_DFN', { override_props: props }, refs(name)),
      rc.created('STOR_POOL_DFN', what(name), refs(name), spd.uuid),
    ];
  }

  modify(name: string, body: StoragePoolDefinitionModify): ApiCallRc[] {
    const spd = this.get(name);
    const result = applyPropsModify('STOR_POOL_DFN', spd.props, body);
    if (result.changed) this.c.commit(new Change().put('spd', key.spd(spd.name), { ...spd, props: result.props }));
    return [...propsAnswers('STOR_POOL_DFN', body, refs(spd.name)), rc.modified('STOR_POOL_DFN', what(spd.name), refs(spd.name), spd.uuid)];
  }

  delete(name: string): ApiCallRc[] {
    const spd = this.c.graph.storagePoolDefinition(name);
    if (!spd) return [rc.deleteMissing('STOR_POOL_DFN', what(name), refs(name))];
    if (nameKey(spd.name) === nameKey(DEFAULT_DISKLESS_POOL)) {
      throw new StorhubError('FAIL_IN_USE', `The storage pool definition '${spd.name}' cannot be deleted.`, {
        cause: 'Every satellite gets a diskless storage pool of this name; diskless resources are placed in it.',
        correction: 'Keep it; delete the individual diskless pools on nodes instead if needed.',
        objRefs: refs(spd.name),
      });
    }
    const k = nameKey(spd.name);
    const nodes = this.c.graph.storagePools.values().filter((p) => nameKey(p.name) === k).map((p) => p.node_name);
    if (nodes.length > 0) {
      throw new StorhubError('FAIL_IN_USE', `Storage pool definition '${spd.name}' still has storage pools on node(s): ${nodes.slice(0, 10).join(', ')}${nodes.length > 10 ? ', ...' : ''}.`, {
        cause: 'A storage pool definition can only be deleted when no node has a storage pool of that name.',
        correction: `Delete the storage pools first (storage-pool delete <node> ${spd.name}).`,
        objRefs: refs(spd.name),
      });
    }
    this.c.commit(new Change().delete('spd', key.spd(spd.name)));
    return [rc.deleted('STOR_POOL_DFN', what(spd.name), refs(spd.name), spd.uuid)];
  }
}

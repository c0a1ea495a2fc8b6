/**
 * Key-value stores: named free-form property maps (python-linstor's `KV`, linstor-csi's
 * `csi-backup-mapping`). Any key is allowed; modifying a missing store creates it.
 */
import type { ApiCallRc } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { checkName } from '../../model/names.js';
import type { KeyValueStoreModify } from '../../model/controller.js';
import type { KeyValueStoreRecord } from '../../store/records.js';
import { applyPropsModify } from '../../props/modify.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { propsAnswers } from './props-answer.js';

const what = (name: string) => `key value store '${name}'`;
const refs = (name: string) => ({ KeyValueStore: name });

export class KeyValueStoreService {
  constructor(private readonly c: Controller) {}

  get(name: string): KeyValueStoreRecord {
    const kvs = this.c.graph.kvs(name);
    if (!kvs) {
      throw new StorhubError('FAIL_NOT_FOUND_KVS', `Could not find key value store instance '${name}'.`, {
        correction: 'A key value store is created by setting its first key (PUT /v1/key-value-store/<name>).',
        objRefs: refs(name),
      });
    }
    return kvs;
  }

  modify(name: string, body: KeyValueStoreModify): ApiCallRc[] {
    const old = this.c.graph.kvs(name);
    const display = old?.name ?? checkName('key-value store', name);
    const result = applyPropsModify('CTRL', old?.props ?? {}, body, { anyKey: true });
    if (!old || result.changed) this.c.commit(new Change().put('kvs', key.kvs(display), { name: display, props: result.props }));
    return [...propsAnswers('KVS', body, refs(display)), rc.modified('KVS', what(display), refs(display))];
  }

  delete(name: string): ApiCallRc[] {
    const kvs = this.c.graph.kvs(name);
    if (!kvs) return [rc.deleteMissing('KVS', what(name), refs(name))];
    this.c.commit(new Change().delete('kvs', key.kvs(kvs.name)));
    return [rc.deleted('KVS', what(kvs.name), refs(kvs.name))];
  }
}

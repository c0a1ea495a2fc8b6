/** /v1/key-value-store: named string maps clients keep their own state in. */
import type { ApiCallRc } from '../model/apicallrc.js';
import { seg, type Transport } from './transport.js';
import type { KeyValueStore, PropsModify } from './types.js';

export class KeyValueStoreApi {
  constructor(private readonly t: Transport) {}

  list(): Promise<KeyValueStore[]> {
    return this.t.get('/v1/key-value-store');
  }

  /** LINSTOR answers a one-element array here; this returns the element, or undefined if absent. */
  async get(instance: string): Promise<KeyValueStore | undefined> {
    const reply = await this.t.get<KeyValueStore[] | KeyValueStore>(`/v1/key-value-store/${seg(instance)}`);
    return Array.isArray(reply) ? reply[0] : reply;
  }

  modify(instance: string, body: PropsModify): Promise<ApiCallRc[]> {
    return this.t.send('PUT', `/v1/key-value-store/${seg(instance)}`, body);
  }

  delete(instance: string): Promise<ApiCallRc[]> {
    return this.t.send('DELETE', `/v1/key-value-store/${seg(instance)}`);
  }
}

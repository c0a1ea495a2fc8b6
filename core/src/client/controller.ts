/** /v1/controller: version and controller properties. */
import type { ApiCallRc } from '../model/apicallrc.js';
import { seg, type Transport } from './transport.js';
import type { ControllerVersion, Props, PropsModify } from './types.js';

export class ControllerApi {
  constructor(private readonly t: Transport) {}

  version(): Promise<ControllerVersion> {
    return this.t.get('/v1/controller/version');
  }

  properties(): Promise<Props> {
    return this.t.get('/v1/controller/properties');
  }

  /** Sets and/or deletes properties in one call (POST, as the linstor client does; answers 201). */
  modifyProperties(body: PropsModify): Promise<ApiCallRc[]> {
    return this.t.send('POST', '/v1/controller/properties', body);
  }

  setProperty(key: string, value: string): Promise<ApiCallRc[]> {
    return this.modifyProperties({ override_props: { [key]: value } });
  }

  /** DELETE /v1/controller/properties/{key} (python-linstor sends `delete_props` via POST instead). */
  deleteProperty(key: string): Promise<ApiCallRc[]> {
    return this.t.send('DELETE', `/v1/controller/properties/${seg(key)}`);
  }
}

/** What every route plugin gets, and the per-route config the error handler reads. */
import type { ObjName, OpName } from '../model/apicallrc.js';
import type { Controller } from '../controller/controller.js';
import type { PluginInfo } from '../plugin/host.js';

export interface ApiDeps {
  controller: Controller;
  /** The plugin host of this storhubd (absent: no plugins, e.g. in tests). */
  plugins?: { list(): PluginInfo[] };
}

/** Route config: the operation and object whose bits are ORed into every answer's ret_code. */
export interface RouteRc {
  op?: OpName;
  obj?: ObjName;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    rc?: RouteRc;
  }
}

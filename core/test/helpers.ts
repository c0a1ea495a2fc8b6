/** Test helpers: a controller on an in-memory (or given) SQLite store and its API, driven by inject. */
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { SqliteStore } from '../src/store/sqlite.js';
import { Controller } from '../src/controller/controller.js';
import type { RuntimeState } from '../src/controller/runtime.js';
import { buildApi } from '../src/api/server.js';
import { parseJson } from '../src/model/json.js';
import { codeOf, severityOf } from '../src/model/apicallrc.js';

export const silent = pino({ level: 'silent' });

export function makeController(path = ':memory:', runtime?: RuntimeState): Controller {
  return new Controller({ store: new SqliteStore({ path }), logger: silent, ...(runtime ? { runtime } : {}) });
}

export interface TestApi {
  app: FastifyInstance;
  controller: Controller;
  call(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  close(): Promise<void>;
}

export interface Reply {
  status: number;
  body: any;
  raw: string;
  contentType: string | undefined;
}

export async function makeApi(controller = makeController()): Promise<TestApi> {
  const app = await buildApi({ controller, logger: silent, ui: false });
  await app.ready();
  return {
    app,
    controller,
    async call(method, url, body, headers = {}) {
      // Like python-linstor: JSON text without a Content-Type header.
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const res = await app.inject({ method: method as 'GET', url, payload, headers });
      const raw = res.body;
      let parsed: unknown = undefined;
      try {
        parsed = raw === '' ? undefined : parseJson(raw);
      } catch {
        parsed = raw;
      }
      return { status: res.statusCode, body: parsed, raw, contentType: res.headers['content-type'] as string | undefined };
    },
    async close() {
      await app.close();
      controller.store.close();
    },
  };
}

/** The numeric code (bits 14-0) and severity of every entry of an ApiCallRc list. */
export function codes(body: Array<{ ret_code: bigint | number }>): Array<{ severity: string; code: number }> {
  return body.map((e) => {
    const rc = BigInt(e.ret_code);
    return { severity: severityOf(rc), code: codeOf(rc) };
  });
}

export const satelliteNode = (name: string, address = '127.0.0.1') => ({
  name,
  type: 'satellite',
  net_interfaces: [{ name: 'default', address, satellite_port: 3366, satellite_encryption_type: 'plain', is_active: true }],
});

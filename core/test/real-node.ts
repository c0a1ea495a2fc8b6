/**
 * Test helper: a controller (in-process API) and the REAL satellite of this release on 127.0.0.1,
 * with a FILE_THIN pool `DfltStorPool` in a unique temp directory, registered and waited for until
 * the pool reports its capacity. Cleanup (satellite, server, controller, loop devices under the temp
 * directory, the directory) is registered on the test.
 */
import type { TestContext } from 'node:test';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSatellite } from '../src/satellite/wiring.js';
import { startSatelliteServer } from '../src/satellite/server.js';
import { makeCluster, registerNode, waitFor } from './satellite-sync-fake.js';
import { ok } from './resource-fixtures.js';
import { silent } from './helpers.js';

/** Loop devices whose backing file lies under `dir`. */
export function loopsUnder(dir: string): string[] {
  const out = execFileSync('losetup', ['-a'], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.includes(dir)).map((l) => l.split(':')[0]);
}

export interface RealNodeOptions {
  /** Temp directory prefix, e.g. 'storhub-volops-real-'. */
  prefix: string;
  nodeName?: string;
  /** Also listen on 127.0.0.1 and return the controller URL (for REST clients). */
  listen?: boolean;
}

export async function startRealNode(t: TestContext, opts: RealNodeOptions) {
  const nodeName = opts.nodeName ?? 'real1';
  const root = mkdtempSync(join(tmpdir(), opts.prefix));
  const poolDir = join(root, 'pool');
  mkdirSync(poolDir);
  const sat = createSatellite({ nodeName, stateDir: join(root, 'state'), logger: silent, pollMs: 0 });
  await sat.start();
  const server = await startSatelliteServer({ satellite: sat, host: '127.0.0.1', port: 0 });
  const c = await makeCluster([]);
  let url = '';
  if (opts.listen) {
    await c.api.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(c.api.app.server.address() as AddressInfo).port}`;
  }
  t.after(async () => {
    await c.close();
    await server.close();
    await sat.close();
    // Whatever a failed run left: detach our loop devices before removing their files.
    for (const dev of loopsUnder(root)) execFileSync('losetup', ['-d', dev]);
    rmSync(root, { recursive: true, force: true });
  });

  await registerNode(c.api, nodeName, server.port, []);
  await ok(c.api, 'POST', `/v1/nodes/${nodeName}/storage-pools`, {
    storage_pool_name: 'DfltStorPool', provider_kind: 'FILE_THIN', props: { 'StorDriver/StorPoolName': poolDir },
  });
  await waitFor(`${nodeName} ONLINE with capacity`, async () => {
    const sp = (await c.api.call('GET', `/v1/view/storage-pools?nodes=${nodeName}`)).body
      .find((p: { storage_pool_name: string }) => p.storage_pool_name === 'DfltStorPool');
    return Number(sp?.total_capacity) > 0;
  }, 20_000);
  return { root, poolDir, sat, server, c, url, nodeName };
}

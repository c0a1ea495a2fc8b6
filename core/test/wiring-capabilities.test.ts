/**
 * The real satellite of this release (satellite/wiring.ts: every layer and detector registered) on
 * THIS machine: GET /satellite/v1/info lists DRBD, LUKS, NVME, CACHE and WRITECACHE as unsupported
 * with the precise reasons (the tools are installed; the kernel has no DRBD module, no
 * device-mapper, no nvmet configfs, no /dev/nvme-fabrics — see test-infrastructure.md), and a
 * controller connected to it refuses to place each of those layers there with
 * FAIL_STLT_DOES_NOT_SUPPORT_LAYER naming that reason and how to fix it.
 *
 * On a machine that has one of these kernel features the expectations do not hold; the test then
 * says which feature it found and skips (loudly), rather than asserting something untrue.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { codes, silent } from './helpers.js';
import { addRd } from './resource-fixtures.js';
import { makeCluster, registerNode, waitFor } from './satellite-sync-fake.js';
import { startSatelliteServer } from '../src/satellite/server.js';
import { createSatellite } from '../src/satellite/wiring.js';
import type { SatelliteInfo } from '../src/satellite/protocol.js';

const R = '/v1/resource-definitions';

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']).some((dir) => dir && existsSync(join(dir, tool)));
}

/** Why this machine is not the one the expectations describe (undefined: it is). */
function differences(): string[] {
  const out: string[] = [];
  for (const tool of ['drbdadm', 'cryptsetup', 'dmsetup', 'nvme']) if (!onPath(tool)) out.push(`${tool} is not installed`);
  if (existsSync('/proc/drbd') || existsSync('/sys/module/drbd/version')) out.push('a DRBD kernel module is loaded');
  if (/^\s*\d+\s+device-mapper\s*$/m.test(readFileSync('/proc/misc', 'utf8'))) out.push('the kernel has device-mapper');
  if (existsSync('/sys/kernel/config/nvmet') && statSync('/sys/kernel/config/nvmet').isDirectory()) out.push('nvmet configfs is mounted');
  if (existsSync('/dev/nvme-fabrics')) out.push('/dev/nvme-fabrics exists');
  return out;
}

function expectedReasons(): Record<string, string[]> {
  const node = existsSync('/dev/mapper/control')
    ? '/dev/mapper/control exists but the driver behind it is missing (opening it fails with "No such device")'
    : 'there is no /dev/mapper/control';
  const dm = `the kernel has no device-mapper driver ("device-mapper" is not in /proc/misc; ${node}): load it with modprobe dm_mod, or use a kernel with CONFIG_BLK_DEV_DM`;
  return {
    DRBD: ['kernel module drbd is not loaded (no /proc/drbd): load the DRBD 9 module (modprobe drbd) and restart the satellite'],
    LUKS: [`LUKS needs device-mapper (dm-crypt): ${dm}`],
    NVME: [
      'NVMe-oF target: no nvmet configfs at /sys/kernel/config/nvmet (mount configfs and load nvmet and nvmet-tcp: modprobe nvmet-tcp)',
      'NVMe-oF initiator: no /dev/nvme-fabrics (load nvme-tcp: modprobe nvme-tcp)',
    ],
    CACHE: [`CACHE needs device-mapper (dm-cache): ${dm}`],
    WRITECACHE: [`WRITECACHE needs device-mapper (dm-writecache): ${dm}`],
  };
}

/** The correction's "how to get it" per layer (controller/satellites/capabilities.ts). */
const FIX: Record<string, RegExp> = {
  DRBD: /install the DRBD 9 kernel module and drbd-utils and load the module \(modprobe drbd\)/,
  LUKS: /install cryptsetup and load dm-crypt \(modprobe dm_crypt\)/,
  NVME: /install nvme-cli and load the NVMe-oF modules/,
  CACHE: /load dm-cache \(modprobe dm_cache\)/,
  WRITECACHE: /load dm-writecache \(modprobe dm_writecache\)/,
};

test('this machine: /satellite/v1/info lists DRBD, LUKS, NVME, CACHE, WRITECACHE unsupported with the reasons; the controller refuses each with 988', { timeout: 120_000 }, async (t) => {
  const diff = differences();
  if (diff.length) {
    t.skip(`this machine differs from the one the expectations describe: ${diff.join('; ')}`);
    return;
  }
  const root = mkdtempSync(join(tmpdir(), 'storhub-wiring-caps-'));
  const poolDir = join(root, 'pool');
  mkdirSync(poolDir);
  const sat = createSatellite({ nodeName: 'here', stateDir: join(root, 'state'), logger: silent, pollMs: 0 });
  await sat.start();
  const server = await startSatelliteServer({ satellite: sat, host: '127.0.0.1', port: 0 });
  const c = await makeCluster([]);
  t.after(async () => {
    await c.close();
    await server.close();
    await sat.close();
    rmSync(root, { recursive: true, force: true });
  });

  // The satellite's own answer, over HTTP.
  const res = await fetch(`${server.url}/satellite/v1/info`);
  assert.equal(res.status, 200);
  const info = (await res.json()) as SatelliteInfo;
  assert.equal(info.node_name, 'here');
  const expected = expectedReasons();
  const caps = info.capabilities;
  assert.deepEqual(caps.layers, ['STORAGE']);
  for (const [layer, reasons] of Object.entries(expected)) {
    assert.ok(!caps.layers.includes(layer as never), `${layer} listed as supported`);
    assert.deepEqual(caps.unsupported_layers[layer], reasons, layer);
  }
  // The tools were found (so the reasons are about the kernel only), with their versions.
  for (const tool of ['cryptsetup', 'dmsetup', 'nvme-cli', 'drbd-utils']) assert.match(caps.versions?.[tool] ?? '', /^\d+\.\d+/, tool);

  // The controller gets the same from the handshake and shows it on the node.
  await registerNode(c.api, 'here', server.port, []);
  await c.api.call('POST', '/v1/nodes/here/storage-pools', {
    storage_pool_name: 'DfltStorPool', provider_kind: 'FILE_THIN', props: { 'StorDriver/StorPoolName': poolDir },
  });
  await waitFor('here ONLINE', async () => (await c.api.call('GET', '/v1/nodes/here')).body.connection_status === 'ONLINE', 30_000);
  const node = (await c.api.call('GET', '/v1/nodes/here')).body;
  for (const [layer, reasons] of Object.entries(expected)) assert.deepEqual(node.unsupported_layers[layer], reasons, `node view ${layer}`);

  // Each layer refused with 988, the reason and the fix; nothing is created.
  await addRd(c.api, 'rx', { sizes: [10240] });
  for (const layer of Object.keys(expected)) {
    const refused = await c.api.call('POST', `${R}/rx/resources/here`, { layer_list: [layer.toLowerCase(), 'storage'] });
    assert.equal(refused.status, 500, `${layer}: ${refused.raw}`);
    assert.deepEqual(codes(refused.body), [{ severity: 'error', code: 988 }], layer);
    const e = refused.body[0];
    assert.equal(e.message, `Node 'here' does not support the ${layer} layer that resource 'rx' needs.`);
    assert.equal(e.cause, `The satellite on 'here' reported: ${expected[layer].join('; ')}.`);
    assert.match(e.correction, FIX[layer], layer);
    assert.match(e.correction, /--layer-list storage/);
    assert.deepEqual(e.obj_refs, { RscDfn: 'rx', Node: 'here' });
    assert.equal((await c.api.call('GET', `${R}/rx/resources/here`)).status, 404, `${layer}: nothing created`);
  }
  // What the node does support still works.
  const plain = await c.api.call('POST', `${R}/rx/resources/here`, { layer_list: ['storage'] });
  assert.equal(plain.status, 201, plain.raw);
  await c.api.call('DELETE', `${R}/rx/resources/here`);
  await waitFor('the resource gone', async () => (await c.api.call('GET', `${R}/rx/resources/here`)).status === 404, 30_000);
});

/**
 * Detection of the LUKS, NVME, CACHE and WRITECACHE layers: for real on this machine (which has
 * cryptsetup, dmsetup and nvme-cli installed but no device-mapper, no nvmet configfs and no
 * nvme-fabrics), and against temp-dir roots with recorded tool answers for the other cases.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CommandError, type CommandRunner } from '../src/exec/runner.js';
import { LocalRunner } from '../src/exec/local.js';
import { RecordedRunner } from '../src/exec/recorded.js';
import { combineCapabilities } from '../src/satellite/capabilities.js';
import { deviceMapperReason, detectExtraLayers, extraLayersDetector, nvmeSides } from '../src/satellite/layers/detect-extra.js';

const FIX = fileURLToPath(new URL('../../../test/fixtures/commands/', import.meta.url));
const fixture = (p: string) => readFileSync(join(FIX, p), 'utf8');

function root(t: TestContext, files: Record<string, string | null>): string {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-detect-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, content === null ? '' : '..'), { recursive: true });
    if (content !== null) writeFileSync(join(dir, path), content);
  }
  return dir;
}

/** Real tool answers recorded on this machine, for a node that HAS the tools. */
function tools(dmExit = 0): RecordedRunner {
  return new RecordedRunner([
    { argv: ['cryptsetup', '--version'], result: { stdout: fixture('cryptsetup/version.stdout') } },
    {
      argv: ['dmsetup', 'version'],
      result: { exitCode: dmExit, stdout: fixture('dmsetup/version-no-kernel-driver.stdout'), stderr: dmExit ? fixture('dmsetup/version-no-kernel-driver.stderr') : '' },
    },
    { argv: ['nvme', 'version'], result: { stdout: fixture('nvme/version.stdout') } },
  ]);
}

/** A runner on which no tool is installed (execa reports ENOENT). */
const noTools: CommandRunner = {
  async run(file, args) {
    throw new CommandError([file, ...args], undefined, '', '', `spawn ${file} ENOENT`);
  },
};

const MISC_WITH_DM = '234 btrfs-control\n236 device-mapper\n237 loop-control\n';

test('real: this machine reports all four layers unsupported, each with the precise reason', async () => {
  const misc = readFileSync('/proc/misc', 'utf8');
  const hasDm = /\bdevice-mapper\b/.test(misc);
  const caps = await detectExtraLayers(new LocalRunner());
  assert.ok(caps.versions?.cryptsetup, 'cryptsetup must be installed for these tests (apt-get install cryptsetup-bin)');
  assert.ok(caps.versions?.dmsetup, 'dmsetup must be installed');
  if (hasDm) {
    assert.ok(caps.layers?.includes('LUKS'));
    return;
  }
  for (const kind of ['LUKS', 'CACHE', 'WRITECACHE'] as const) {
    const reasons = caps.unsupported_layers?.[kind] ?? [];
    assert.equal(reasons.length, 1, `${kind}: ${JSON.stringify(reasons)}`);
    assert.match(reasons[0], /needs device-mapper/);
    assert.match(reasons[0], /"device-mapper" is not in \/proc\/misc/);
    assert.match(reasons[0], /modprobe dm_mod/);
  }
  assert.match(caps.unsupported_layers!.LUKS[0], /dm-crypt/);
  assert.match(caps.unsupported_layers!.CACHE[0], /dm-cache/);
  assert.match(caps.unsupported_layers!.WRITECACHE[0], /dm-writecache/);
  const nvme = caps.unsupported_layers?.NVME ?? [];
  assert.deepEqual(nvme.map((r) => r.split(':')[0]), ['NVMe-oF target', 'NVMe-oF initiator']);
  assert.match(nvme[0], /\/sys\/kernel\/config\/nvmet/);
  assert.ok(!caps.layers?.length, JSON.stringify(caps.layers));
});

test('a node with device-mapper, nvmet configfs and nvme-fabrics supports all four', async (t) => {
  const r = root(t, { 'proc/misc': MISC_WITH_DM, 'sys/kernel/config/nvmet': null, 'dev/nvme-fabrics': '' });
  const caps = await detectExtraLayers(tools(), { root: r });
  assert.deepEqual(caps.layers, ['LUKS', 'CACHE', 'WRITECACHE', 'NVME']);
  assert.deepEqual(caps.unsupported_layers, {});
  assert.deepEqual(caps.versions, { cryptsetup: '2.6.1', dmsetup: '1.02.185', 'nvme-cli': '2.3' });
  assert.deepEqual(await nvmeSides(tools(), { root: r }), { target: true, initiator: true });
});

test('NVME: one working side is enough; dmsetup exit 1 with a driver present still counts as installed', async (t) => {
  const targetOnly = root(t, { 'proc/misc': MISC_WITH_DM, 'sys/kernel/config/nvmet': null });
  const caps = await detectExtraLayers(tools(1), { root: targetOnly });
  assert.ok(caps.layers?.includes('NVME'));
  assert.ok(caps.layers?.includes('CACHE'));
  assert.deepEqual(await nvmeSides(tools(), { root: targetOnly }), { target: true, initiator: false });
  const initiatorOnly = root(t, { 'proc/misc': MISC_WITH_DM, 'dev/nvme-fabrics': '' });
  assert.ok((await detectExtraLayers(tools(), { root: initiatorOnly })).layers?.includes('NVME'));
});

test('missing tools and a control node without a driver are named, with the package to install', async (t) => {
  const r = root(t, { 'proc/misc': '237 loop-control\n', 'dev/mapper/control': '' });
  const caps = await detectExtraLayers(noTools, { root: r });
  assert.deepEqual(caps.layers, []);
  assert.deepEqual(caps.unsupported_layers?.LUKS?.[0], 'cryptsetup not found (install cryptsetup-bin)');
  assert.match(caps.unsupported_layers!.LUKS[1], /\/dev\/mapper\/control exists but the driver behind it is missing/);
  assert.deepEqual(caps.unsupported_layers?.CACHE?.[0], 'dmsetup not found (install dmsetup)');
  assert.match(caps.unsupported_layers!.NVME[1], /nvme not found \(install nvme-cli\)/);
  assert.equal(await deviceMapperReason(root(t, { 'proc/misc': MISC_WITH_DM })), undefined);
  assert.match((await deviceMapperReason(join(r, 'nowhere')))!, /cannot read \/proc\/misc/);
});

test('the detector plugs into combineCapabilities: reasons reach the node, STORAGE stays', async (t) => {
  const r = root(t, { 'proc/misc': '237 loop-control\n' });
  const d = extraLayersDetector(tools(1), { root: r });
  assert.deepEqual(d.layers, ['LUKS', 'NVME', 'CACHE', 'WRITECACHE']);
  const caps = combineCapabilities([await d.detect()]);
  assert.ok(caps.layers.includes('STORAGE'));
  assert.ok(!caps.layers.includes('LUKS'));
  assert.match(caps.unsupported_layers.LUKS[0], /LUKS needs device-mapper/);
});

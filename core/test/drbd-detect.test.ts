/**
 * DRBD capability detection: for real on this machine (drbd-utils 9.22 installed, no kernel module),
 * and against recorded /proc/drbd and `drbdadm --version` output for the other cases.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino } from 'pino';
import { LocalRunner } from '../src/exec/local.js';
import { RecordedRunner } from '../src/exec/recorded.js';
import { detectCapabilities } from '../src/satellite/capabilities.js';
import { DEFAULT_TOOLS } from '../src/satellite/layers/drbd/drbdadm.js';
import { detectDrbd, drbdDetector, parseDrbdadmVersion, parseProcDrbd } from '../src/satellite/layers/drbd/detect.js';
import { FIXTURES, tempDir } from './drbd-fixtures.js';

const NOT_LOADED = 'kernel module drbd is not loaded (no /proc/drbd): load the DRBD 9 module (modprobe drbd) and restart the satellite';

test('on this machine: drbd-utils found, module not loaded, so DRBD is unsupported with that reason', async () => {
  const r = await detectDrbd(new LocalRunner());
  assert.equal(r.supported, false);
  assert.deepEqual(r.reasons, [NOT_LOADED]);
  assert.equal(r.versions['drbd-utils'], '9.22.0');
  assert.equal(r.versions['drbd-kernel'], undefined);
});

test('the capability detector reports DRBD in unsupported_layers with the reason', async () => {
  const caps = await detectCapabilities([drbdDetector(new LocalRunner())], pino({ level: 'silent' }));
  assert.ok(!caps.layers.includes('DRBD'));
  assert.deepEqual(caps.unsupported_layers.DRBD, [NOT_LOADED]);
  assert.equal(caps.versions?.['drbd-utils'], '9.22.0');
});

test('drbdadm missing: "drbdadm not found"', async (t) => {
  const root = await tempDir(t);
  const r = await detectDrbd(new LocalRunner(), { tools: { ...DEFAULT_TOOLS, drbdadm: 'storhub-no-such-drbdadm' }, root });
  assert.equal(r.supported, false);
  assert.deepEqual(r.reasons, ['storhub-no-such-drbdadm not found (install drbd-utils 9)', NOT_LOADED]);
});

test('a loaded DRBD 9 module and drbd-utils 9: supported (recorded /proc/drbd and drbdadm --version)', async (t) => {
  const root = await tempDir(t);
  await mkdir(join(root, 'proc'));
  await writeFile(join(root, 'proc/drbd'), await readFile(join(FIXTURES, 'proc-drbd-9.0.32.txt')));
  const runner = new RecordedRunner([{ argv: ['drbdadm', '--version'], result: { stdout: await readFile(join(FIXTURES, 'drbdadm-version-9.22.0.txt'), 'utf8') } }]);
  const r = await detectDrbd(runner, { root });
  assert.deepEqual(r, { supported: true, reasons: [], versions: { 'drbd-utils': '9.22.0', 'drbd-kernel': '9.0.32-1' } });
  const caps = await detectCapabilities([drbdDetector(runner, { root })], pino({ level: 'silent' }));
  assert.ok(caps.layers.includes('DRBD'));
  assert.equal(caps.unsupported_layers.DRBD, undefined);
});

test('/sys/module/drbd/version is used when /proc/drbd is missing; DRBD 8 is refused', async (t) => {
  const root = await tempDir(t);
  await mkdir(join(root, 'sys/module/drbd'), { recursive: true });
  await writeFile(join(root, 'sys/module/drbd/version'), '8.4.11\n');
  const runner = new RecordedRunner([{ argv: ['drbdadm', '--version'], result: { stdout: 'DRBDADM_VERSION=9.22.0\n' } }]);
  const r = await detectDrbd(runner, { root });
  assert.equal(r.supported, false);
  assert.deepEqual(r.reasons, ['kernel module drbd 8.4.11 is loaded, but the DRBD layer needs DRBD 9 (unload it and load the DRBD 9 module)']);
});

test('drbd-utils 8 is refused', async (t) => {
  const root = await tempDir(t);
  await mkdir(join(root, 'proc'));
  await writeFile(join(root, 'proc/drbd'), await readFile(join(FIXTURES, 'proc-drbd-9.0.32.txt')));
  const runner = new RecordedRunner([{ argv: ['drbdadm', '--version'], result: { stdout: 'DRBDADM_VERSION=8.9.10\n' } }]);
  const r = await detectDrbd(runner, { root });
  assert.deepEqual(r.reasons, ['drbd-utils 8.9.10 is too old: the DRBD layer needs drbd-utils 9 (install drbd-utils >= 9.0)']);
});

test('parsers', async () => {
  const v = parseDrbdadmVersion(await readFile(join(FIXTURES, 'drbdadm-version-9.22.0.txt'), 'utf8'));
  assert.equal(v.DRBDADM_VERSION, '9.22.0');
  assert.equal(v.DRBD_KERNEL_VERSION, '0');
  assert.equal(parseProcDrbd(await readFile(join(FIXTURES, 'proc-drbd-9.0.32.txt'), 'utf8')), '9.0.32-1');
  assert.equal(parseProcDrbd(''), undefined);
});

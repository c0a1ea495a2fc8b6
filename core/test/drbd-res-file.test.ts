/**
 * Generated .res files against the real drbdadm (drbd-utils 9.22, no kernel module needed):
 * every case must pass `drbdadm -c FILE sh-nop`, and `drbdadm -d adjust` (the plan of drbdsetup and
 * drbdmeta calls it would make on this node) must equal the recorded golden output. The .res text
 * itself is golden too. STORHUB_UPDATE_GOLDEN=1 rewrites the fixtures (review the diff!).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LocalRunner } from '../src/exec/local.js';
import { CommandError } from '../src/exec/runner.js';
import { DEFAULT_TOOLS, adjustDryRun } from '../src/satellite/layers/drbd/drbdadm.js';
import { confValue, sectionOptions } from '../src/satellite/layers/drbd/options.js';
import { PEER_DISK_PLACEHOLDER, formatAddress, renderResFile } from '../src/satellite/layers/drbd/res-file.js';
import { DRBD_ENV, FIXTURES, UPDATE_GOLDEN, drbdResource, goldenCases, tempDir } from './drbd-fixtures.js';

const runner = new LocalRunner();

async function golden(name: string, actual: string): Promise<void> {
  const path = join(FIXTURES, name);
  if (UPDATE_GOLDEN) await writeFile(path, actual);
  assert.equal(actual, await readFile(path, 'utf8'), `golden ${name}`);
}

for (const c of goldenCases()) {
  test(`.res for ${c.name}: drbdadm sh-nop accepts it and -d adjust matches the golden plan`, async (t) => {
    const dir = await tempDir(t);
    const rendered = renderResFile({ resource: c.resource, localNode: c.local, backing: c.backing });
    assert.deepEqual(rendered.skipped, []);
    await golden(`${c.name}.res`, rendered.text);

    const file = join(dir, `${c.resource.name}.res`);
    await writeFile(file, rendered.text);
    const nop = await runner.run('drbdadm', ['-c', file, 'sh-nop'], { env: DRBD_ENV });
    assert.equal(nop.exitCode, 0);

    // __DRBD_NODE__ makes drbdadm act as the node the file was written for (test-infrastructure §3).
    const [bin, args] = adjustDryRun(DEFAULT_TOOLS, file, c.resource.name);
    const plan = await runner.run(bin, args, { env: { ...DRBD_ENV, __DRBD_NODE__: c.local } });
    assert.match(plan.stderr, new RegExp(`PRETENDING that I am >>${c.local}<<`));
    await golden(`${c.name}.adjust.txt`, plan.stdout);
  });
}

test('the plan shows what each case is about', async () => {
  const plans = Object.fromEntries(await Promise.all(goldenCases().map(async (c) => [c.name, await readFile(join(FIXTURES, `${c.name}.adjust.txt`), 'utf8')])));
  // 3 replicas: two peers, the local node id and the resource options reach drbdsetup
  assert.match(plans['three-replicas'], /^drbdsetup new-resource pvc-three 1 --auto-promote=yes --on-no-quorum=io-error --quorum=majority$/m);
  assert.equal((plans['three-replicas'].match(/^drbdsetup connect pvc-three \d$/gm) ?? []).length, 2);
  // the diskless client has a diskless minor and never touches metadata
  assert.match(plans['diskless-client'], /^drbdsetup new-minor pvc-client 1002 0 --diskless$/m);
  assert.doesNotMatch(plans['diskless-client'], /drbdmeta|attach/);
  // a diskless peer gets no bitmap slot
  assert.match(plans['diskless-peer'], /^drbdsetup peer-device-options pvc-tiebreaker 2 0 --set-defaults --bitmap=no$/m);
  // per-volume disk options override the resource's
  assert.match(plans['multi-volume'], /attach 1005 .* --al-extents=6007$/m);
  assert.match(plans['multi-volume'], /attach 1006 .* --al-extents=1237 --discard-zeroes-if-aligned=no$/m);
  // per-connection protocol/buffers, IPv6, two paths, peer-device option overridden per connection
  assert.match(plans['connection-options'], /^drbdsetup new-peer pvc-conn 1 .*--max-buffers=8192 --protocol=A$/m);
  assert.match(plans['connection-options'], /^drbdsetup new-path pvc-conn 1 ipv6:\\\[fd00::1\\\]:7005 ipv6:\\\[fd00::2\\\]:7005$/m);
  assert.equal((plans['connection-options'].match(/^drbdsetup new-path pvc-conn 2 /gm) ?? []).length, 2);
  assert.match(plans['connection-options'], /^drbdsetup peer-device-options pvc-conn 1 0 --set-defaults --resync-rate=50M --c-plan-ahead=20$/m);
  assert.match(plans['connection-options'], /^drbdsetup peer-device-options pvc-conn 2 0 --set-defaults --resync-rate=100M --c-plan-ahead=20$/m);
});

test('the .res text: quoted names, secret, placeholder disks, diskless volumes', async () => {
  const c = goldenCases().find((x) => x.name === 'diskless-client')!;
  const text = renderResFile({ resource: c.resource, localNode: c.local, backing: c.backing }).text;
  assert.match(text, /^resource "pvc-client"$/m);
  assert.match(text, /^ {8}cram-hmac-alg sha1;\n {8}shared-secret "Zm9vYmFyc2VjcmV0MTIz";$/m);
  assert.match(text, /on "charlie"\n {4}\{\n {8}volume 0\n {8}\{\n {12}disk none;\n {12}meta-disk internal;\n {12}device minor 1002;/);
  assert.match(text, new RegExp(`on "alpha"\\n {4}\\{\\n {8}volume 0\\n {8}\\{\\n {12}disk ${PEER_DISK_PLACEHOLDER};`));
  assert.match(text, /^ {8}host "charlie" address ipv4 10\.99\.0\.3:7002;\n {8}host "alpha" address ipv4 10\.99\.0\.1:7002;$/m);
  // the same input gives the same bytes
  assert.equal(renderResFile({ resource: c.resource, localNode: c.local, backing: c.backing }).text, text);
});

test('option values: booleans become yes/no, odd strings are quoted and escaped, unknown keys are skipped', () => {
  const opts = sectionOptions({
    'DrbdOptions/Net/allow-two-primaries': 'true',
    'DrbdOptions/Net/always-asbp': 'False',
    'DrbdOptions/Net/no-such-option': 'x',
    'DrbdOptions/Disk/al-extents': '6007',
    'DrbdOptions/auto-quorum': 'io-error',
  }, 'Net');
  assert.deepEqual([...opts], [['allow-two-primaries', 'yes'], ['always-asbp', 'no']]);
  const skipped: string[] = [];
  sectionOptions({ 'DrbdOptions/Net/no-such-option': 'x' }, 'Net', skipped);
  assert.deepEqual(skipped, ['DrbdOptions/Net/no-such-option']);
  assert.equal(confValue('100M'), '100M');
  assert.equal(confValue('/usr/lib/drbd/notify.sh root'), '"/usr/lib/drbd/notify.sh root"');
  assert.equal(confValue('a"b\\c'), '"a\\"b\\\\c"');
  assert.throws(() => confValue('a\nb'), /line breaks/);
});

test('a secret with quotes and backslashes survives drbdadm parsing', async (t) => {
  const dir = await tempDir(t);
  const resource = drbdResource({ name: 'sec', local: { node: 'alpha', id: 0, address: '10.99.0.1' }, peers: [{ node: 'bravo', id: 1, address: '10.99.0.2' }], volumes: [{ nr: 0, minor: 1000 }], secret: 'a"b\\c d' });
  const file = join(dir, 'sec.res');
  await writeFile(file, renderResFile({ resource, localNode: 'alpha', backing: new Map([[0, '/dev/x']]) }).text);
  const plan = await runner.run('drbdadm', ['-c', file, '-d', 'adjust', 'sec'], { env: { ...DRBD_ENV, __DRBD_NODE__: 'alpha' } });
  assert.match(plan.stdout, /--shared-secret=a\\"b\\\\c\\ d /);
});

test('unknown DRBD options are reported as skipped, not written', () => {
  const resource = drbdResource({
    name: 'skip', local: { node: 'alpha', id: 0, address: '10.99.0.1' }, peers: [], volumes: [{ nr: 0, minor: 1000 }],
    props: { 'DrbdOptions/Resource/not-an-option': '1', 'DrbdOptions/Net/protocol': 'C' },
  });
  const r = renderResFile({ resource, localNode: 'alpha', backing: new Map([[0, '/dev/x']]) });
  assert.deepEqual(r.skipped, ['DrbdOptions/Resource/not-an-option']);
  assert.doesNotMatch(r.text, /not-an-option/);
  assert.match(r.text, /protocol C;/);
});

test('addresses: IPv4, IPv6 in brackets, host names refused', () => {
  assert.equal(formatAddress('10.0.0.1', 7000), 'ipv4 10.0.0.1:7000');
  assert.equal(formatAddress('fd00::1', 7001), 'ipv6 [fd00::1]:7001');
  assert.equal(formatAddress('[fd00::1]', 7001), 'ipv6 [fd00::1]:7001');
  assert.throws(() => formatAddress('node-a.example', 7000), /'node-a.example' is not an IP address/);
});

test('inconsistent input is refused with a message naming the problem', () => {
  const base = { name: 'bad', local: { node: 'alpha', id: 0, address: '10.99.0.1' }, volumes: [{ nr: 0, minor: 1000 }] };
  assert.throws(() => renderResFile({ resource: drbdResource({ ...base, peers: [{ node: 'bravo', id: 0, address: '10.99.0.2' }] }), localNode: 'alpha', backing: new Map() }),
    /nodes 'alpha' and 'bravo' both have DRBD node id 0/);
  const halfPath = drbdResource({ ...base, peers: [{ node: 'bravo', id: 1, address: '10.99.0.2', connection_props: { 'Paths/p1/alpha': '10.1.0.1' } }] });
  assert.throws(() => renderResFile({ resource: halfPath, localNode: 'alpha', backing: new Map() }), /path 'p1' between 'alpha' and 'bravo' does not give an address for both nodes/);
  const noMinor = drbdResource({ ...base, peers: [] });
  delete noMinor.volumes[0].minor_number;
  assert.throws(() => renderResFile({ resource: noMinor, localNode: 'alpha', backing: new Map() }), /volume 0 of resource 'bad' has no DRBD minor number/);
});

test('drbdadm really rejects a broken file (the check is not a no-op)', async (t) => {
  const dir = await tempDir(t);
  const resource = drbdResource({
    name: 'broken', local: { node: 'alpha', id: 0, address: '10.99.0.1' }, peers: [{ node: 'bravo', id: 1, address: '10.99.0.2' }],
    volumes: [{ nr: 0, minor: 1000 }], props: { 'DrbdOptions/Resource/quorum': 'majoritx' },
  });
  const file = join(dir, 'broken.res');
  await writeFile(file, renderResFile({ resource, localNode: 'alpha', backing: new Map([[0, '/dev/x']]) }).text);
  await assert.rejects(runner.run('drbdadm', ['-c', file, 'sh-nop'], { env: DRBD_ENV }), (err: unknown) => {
    assert.ok(err instanceof CommandError);
    assert.equal(err.exitCode, 10);
    assert.match(err.stderr, /while parsing value \('majoritx'\)\nfor quorum\. Value is not valid\./);
    return true;
  });
});

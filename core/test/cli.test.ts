import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { parseJson } from '../src/model/json.js';
import { formatKib, parseSizeKib } from '../src/cli/size.js';
import { Table } from '../src/cli/table.js';
import { type LiveApi, startApi, storhub, storhubIn, unusedPort } from './cli-helpers.js';

let live: LiveApi;
let ctl: string[];
before(async () => {
  live = await startApi();
  ctl = ['--controllers', live.address];
});
after(async () => {
  await live.close();
});

test('sizes: bare number is GiB, K/M/G/T binary, kB/MB/GB decimal rounded up, result in KiB', () => {
  assert.equal(parseSizeKib('1'), 1048576);
  assert.equal(parseSizeKib('10G'), 10485760);
  assert.equal(parseSizeKib('10GiB'), 10485760);
  assert.equal(parseSizeKib('30M'), 30720);
  assert.equal(parseSizeKib('30mib'), 30720);
  assert.equal(parseSizeKib('512K'), 512);
  assert.equal(parseSizeKib('1T'), 1073741824);
  assert.equal(parseSizeKib('100MB'), 97657); // 100e6 bytes -> 97656.25 KiB, rounded up
  assert.equal(parseSizeKib('1kB'), 1);
  assert.throws(() => parseSizeKib('10X'), /not a valid size unit/);
  assert.throws(() => parseSizeKib('-1G'), /not a valid size/);
  assert.throws(() => parseSizeKib('1.5G'), /not a valid size/);
  assert.equal(formatKib(1048576), '1 GiB');
  assert.equal(formatKib(1572864), '1.50 GiB');
  assert.equal(formatKib(512), '512 KiB');
});

test('table: widths from content, colour codes do not count, ASCII style', () => {
  const t = new Table(['Name', { header: 'Size', right: true }]).add(['a', '1 GiB']).add(['\x1b[1;32mlonger\x1b[0m', '2']);
  const ascii = t.render({ utf8: false }).split('\n');
  assert.equal(ascii[1], '| Name   | Size  |');
  assert.equal(ascii[3], '| a      | 1 GiB |');
  assert.equal(ascii[4], '| \x1b[1;32mlonger\x1b[0m |     2 |');
  assert.equal(ascii[0].length, ascii[1].length);
  assert.match(t.render({ utf8: true }), /^╭─+╮\n┊ Name/);
});

test('node create / list / -m: table for people, raw REST JSON for machines', async () => {
  const c = await storhub(['node', 'create', 'alpha', '127.0.0.1', ...ctl]);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /^SUCCESS:\n/);
  assert.match(c.stdout, /New node 'alpha' registered\./);

  const l = await storhub(['n', 'l', ...ctl]);
  assert.equal(l.code, 0, l.stderr);
  assert.match(l.stdout, /┊ Node +┊ NodeType +┊ Addresses +┊ State +┊/);
  assert.match(l.stdout, /┊ alpha +┊ SATELLITE +┊ 127\.0\.0\.1:3366 \(PLAIN\) +┊ OFFLINE +┊/);
  assert.doesNotMatch(l.stdout, /\x1b\[/, 'no colours when not on a terminal');

  const m = await storhub(['-m', 'n', 'ls', ...ctl]);
  assert.equal(m.code, 0, m.stderr);
  const nodes = parseJson(m.stdout) as Array<{ name: string; type: string; net_interfaces: Array<{ satellite_port: number }> }>;
  assert.equal(nodes.find((n) => n.name === 'alpha')?.type, 'SATELLITE');

  const mc = await storhub(['node', 'c', 'beta', '127.0.0.1', '--port', '4000', '--communication-type', 'ssl', '-m', ...ctl]);
  assert.equal(mc.code, 0, mc.stderr);
  const rcs = parseJson(mc.stdout) as Array<{ ret_code: bigint | number }>;
  assert.equal(BigInt(rcs[0].ret_code), 20709377n);
  const beta = await live.api.call('GET', '/v1/nodes/beta');
  assert.equal(beta.body.net_interfaces[0].satellite_port, 4000);
  assert.equal(beta.body.net_interfaces[0].satellite_encryption_type, 'SSL');

  const filtered = await storhub(['-m', 'n', 'l', '-n', 'beta', ...ctl]);
  assert.deepEqual((parseJson(filtered.stdout) as Array<{ name: string }>).map((n) => n.name), ['beta']);
});

test('API errors exit 10 and print ERROR with the full 64-bit code in -m', async () => {
  await storhub(['n', 'c', 'dup', '127.0.0.1', ...ctl]);
  const again = await storhub(['n', 'c', 'DUP', '127.0.0.1', ...ctl]);
  assert.equal(again.code, 10);
  assert.match(again.stdout, /^ERROR:\n/);
  assert.match(again.stdout, /dup/i);

  const m = await storhub(['n', 'c', 'dup', '127.0.0.1', '-m', ...ctl]);
  assert.equal(m.code, 10);
  assert.equal((parseJson(m.stdout) as Array<{ ret_code: bigint }>)[0].ret_code, -4611686018406678028n);

  const bad = await storhub(['n', 'c', 'bad_name', '127.0.0.1', ...ctl]);
  assert.equal(bad.code, 10);
});

test('missing objects: a read exits 3, a delete warns and exits 0', async () => {
  const lp = await storhubIn(['node', 'list-properties', 'nope', ...ctl]);
  assert.equal(lp.code, 3);
  assert.match(lp.stdout, /Node 'nope' not found\./);
  const d = await storhubIn(['node', 'delete', 'ghost', ...ctl]);
  assert.equal(d.code, 0);
  assert.match(d.stdout, /^WARNING:\n/);
  const strict = await storhubIn(['--warn-as-error', 'node', 'delete', 'ghost', ...ctl]);
  assert.equal(strict.code, 10);
});

test('node set-property / list-properties; no value deletes the key', async () => {
  await storhubIn(['n', 'c', 'gamma', '127.0.0.1', ...ctl]);
  const sp = await storhubIn(['n', 'sp', 'gamma', 'Aux/rack', 'r7', ...ctl]);
  assert.equal(sp.code, 0, sp.stdout + sp.stderr);
  assert.equal((await live.api.call('GET', '/v1/nodes/gamma')).body.props['Aux/rack'], 'r7');
  const aux = await storhubIn(['n', 'sp', '--aux', 'gamma', 'site', 'a', ...ctl]);
  assert.equal(aux.code, 0);
  const lp = await storhubIn(['n', 'lp', 'gamma', ...ctl]);
  assert.equal(lp.code, 0);
  assert.match(lp.stdout, /┊ Aux\/rack +┊ r7 +┊/);
  assert.match(lp.stdout, /┊ Aux\/site +┊ a +┊/);
  const del = await storhubIn(['n', 'sp', 'gamma', 'Aux/rack', ...ctl]);
  assert.equal(del.code, 0);
  assert.equal((await live.api.call('GET', '/v1/nodes/gamma')).body.props['Aux/rack'], undefined);
});

test('node interfaces: create, list, modify, delete', async () => {
  await storhubIn(['n', 'c', 'delta', '127.0.0.1', ...ctl]);
  const c = await storhubIn(['n', 'i', 'c', 'delta', 'data', '127.0.0.1', ...ctl]);
  assert.equal(c.code, 0, c.stdout + c.stderr);
  const l = await storhubIn(['n', 'i', 'l', 'delta', ...ctl]);
  assert.match(l.stdout, /┊ data +┊ 127\.0\.0\.1 +┊/);
  const m = await storhubIn(['n', 'i', 'm', 'delta', 'data', '--port', '3399', '--communication-type', 'plain', ...ctl]);
  assert.equal(m.code, 0, m.stdout + m.stderr);
  const nif = await live.api.call('GET', '/v1/nodes/delta/net-interfaces/data');
  assert.equal(nif.body.satellite_port, 3399);
  const d = await storhubIn(['n', 'i', 'd', 'delta', 'data', ...ctl]);
  assert.equal(d.code, 0);
  assert.equal((await live.api.call('GET', '/v1/nodes/delta/net-interfaces/data')).status, 404);
});

test('node lost / reconnect / delete', async () => {
  await storhubIn(['n', 'c', 'eps', '127.0.0.1', ...ctl]);
  assert.equal((await storhubIn(['n', 'reconnect', 'eps', ...ctl])).code, 0);
  const lost = await storhubIn(['n', 'lost', 'eps', ...ctl]);
  assert.equal(lost.code, 0, lost.stdout);
  assert.equal((await live.api.call('GET', '/v1/nodes/eps')).status, 404);
});

test('controller version, set-property (c sp), list-properties; no value deletes', async () => {
  const v = await storhubIn(['c', 'v', ...ctl]);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout, /^storhub controller \S+; GIT-hash: .*REST API 1\.28\.0/);
  const sp = await storhubIn(['c', 'sp', 'Aux/cli-test', 'yes', ...ctl]);
  assert.equal(sp.code, 0, sp.stdout);
  assert.match(sp.stdout, /SUCCESS/);
  const lp = await storhubIn(['controller', 'lp', ...ctl]);
  assert.match(lp.stdout, /┊ Aux\/cli-test +┊ yes +┊/);
  const m = await storhubIn(['-m', 'c', 'lp', ...ctl]);
  assert.equal((parseJson(m.stdout) as Record<string, string>)['Aux/cli-test'], 'yes');
  const del = await storhubIn(['c', 'sp', 'Aux/cli-test', ...ctl]);
  assert.equal(del.code, 0);
  assert.equal((await live.api.call('GET', '/v1/controller/properties')).body['Aux/cli-test'], undefined);
  const bad = await storhubIn(['c', 'sp', 'NoSuchKey', 'x', ...ctl]);
  assert.equal(bad.code, 10);
});

test('connection errors exit 20; LS_CONTROLLERS is appended to --controllers', async () => {
  const port = await unusedPort();
  const r = await storhub(['node', 'list', '--controllers', `127.0.0.1:${port}`]);
  assert.equal(r.code, 20);
  assert.match(r.stderr, /Could not reach any controller: http:\/\/127\.0\.0\.1:\d+ \(.*ECONNREFUSED/);
  assert.equal(r.stdout, '');

  const env = await storhub(['-m', 'node', 'list'], { LS_CONTROLLERS: live.address });
  assert.equal(env.code, 0, env.stderr);
  const both = await storhub(['-m', 'n', 'l', '--controllers', `127.0.0.1:${port}`], { LS_CONTROLLERS: live.address });
  assert.equal(both.code, 0, 'fails over from --controllers to LS_CONTROLLERS');
});

test('usage errors exit 2; help exits 0; --output-version v1 is accepted', async () => {
  assert.equal((await storhubIn(['node', 'create', 'onlyname', ...ctl])).code, 2);
  assert.equal((await storhubIn(['node', 'frobnicate', ...ctl])).code, 2);
  assert.equal((await storhubIn(['vd', 'c', 'res', '10X', ...ctl])).code, 2);
  assert.equal((await storhubIn(['n', 'c', 'x', '127.0.0.1', '--port', 'abc', ...ctl])).code, 2);
  assert.equal((await storhubIn(['n', 'l', '--controllers', 'ftp://x'])).code, 2);
  const help = await storhub(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /resource-group\|rg/);
  const ov = await storhubIn(['-m', '--output-version', 'v1', 'n', 'l', ...ctl]);
  assert.equal(ov.code, 0);
  assert.ok(Array.isArray(parseJson(ov.stdout)));
  assert.equal((await storhubIn(['-m', '--output-version', 'v9', 'n', 'l', ...ctl])).code, 2);
});

test('key-value store: modify, show, list, delete', async () => {
  assert.equal((await storhubIn(['kv', 'm', 'cli-kv', 'k1', 'v1', ...ctl])).code, 0);
  const s = await storhubIn(['kv', 's', 'cli-kv', ...ctl]);
  assert.equal(s.code, 0);
  assert.match(s.stdout, /┊ k1 +┊ v1 +┊/);
  const l = await storhubIn(['kv', 'l', ...ctl]);
  assert.match(l.stdout, /┊ cli-kv +┊ 1 +┊/);
  assert.equal((await storhubIn(['kv', 'm', 'cli-kv', 'k1', ...ctl])).code, 0);
  const s2 = await storhubIn(['-m', 'kv', 's', 'cli-kv', ...ctl]);
  assert.doesNotMatch(s2.stdout, /k1/);
  assert.equal((await storhubIn(['kv', 'd', 'cli-kv', ...ctl])).code, 0);
});

test('error-reports list answers a table', async () => {
  const l = await storhubIn(['err', 'l', ...ctl]);
  assert.equal(l.code, 0, l.stdout + l.stderr);
  assert.match(l.stdout, /┊ Id +┊ Datetime +┊ Node +┊ Exception +┊/);
});

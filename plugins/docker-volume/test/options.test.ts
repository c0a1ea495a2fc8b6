/**
 * Volume options, their defaults (docker-volume.conf [global], the TOML defaults table) and the
 * plugin's config schema.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfFileReader, configSchema, parseConfFile } from '../src/config.js';
import { OptionError, REQUEST, parseSizeBytes, parseSizeKib, resolveOptions, toSpec } from '../src/options.js';

test('size: a bare number is bytes; one-letter and IEC units are binary, xB units decimal; 4 MiB floor; KiB rounded up', () => {
  assert.equal(parseSizeKib('64M'), 65536);
  assert.equal(parseSizeKib('64m'), 65536);
  assert.equal(parseSizeKib('1G'), 1048576);
  assert.equal(parseSizeKib('1GiB'), 1048576);
  assert.equal(parseSizeKib('1.5G'), 1572864);
  assert.equal(parseSizeKib('10 GiB'), 10485760);
  assert.equal(parseSizeKib('500MB'), 488282); // 500e6 / 1024 = 488281.25, rounded up
  assert.equal(parseSizeKib('100MB'), 97657); // linstor-docker-volume's default
  assert.equal(parseSizeBytes('200'), 200);
  assert.equal(parseSizeKib('200'), 4096); // 200 bytes -> the 4 MiB floor
  assert.equal(parseSizeKib('104857600'), 102400); // 100 MiB written in bytes
  assert.equal(parseSizeKib('1T'), 1073741824);
  assert.throws(() => parseSizeKib('bad'), { name: 'OptionError', message: /^invalid size "bad": write a number with an optional unit/ });
  assert.throws(() => parseSizeKib('10X'), { message: /unknown unit "X"/ });
  assert.throws(() => parseSizeKib('-1G'), OptionError);
  assert.throws(() => parseSizeKib(''), OptionError);
});

test('options: layers merge (request > TOML defaults > conf file > built-in); keys case-insensitive; lists split on commas and spaces', () => {
  const o = resolveOptions([
    { source: '/etc/linstor/docker-volume.conf [global]', values: { fs: 'xfs', replicas: '3', size: '1G' } },
    { source: 'the plugin configuration [defaults]', values: { replicas: '2' } },
    { source: REQUEST, values: { Size: '64M', Nodes: 'n1,n2 n3', ReplicasOnDifferent: 'rack, site', DisklessOnRemaining: 'yes', MountOpts: 'noatime discard' } },
  ]);
  assert.deepEqual(o, {
    size_kib: 65536, fs: 'xfs', mountopts: ['noatime', 'discard'], replicas: 2, nodes: ['n1', 'n2', 'n3'],
    replicasonsame: [], replicasondifferent: ['rack', 'site'], disklessonremaining: true,
  });
  // Nothing given: 100MB ext4, no placement of its own.
  assert.deepEqual(resolveOptions([]), { size_kib: 97657, fs: 'ext4', mountopts: [], nodes: [], replicasonsame: [], replicasondifferent: [] });
});

test('options: unknown option and bad values are refused, naming where the value was written', () => {
  assert.throws(() => resolveOptions([{ source: REQUEST, values: { sise: '1G' } }]),
    { message: /^unknown option "sise"; known options: size, fs, fsopts, mountopts, replicas, nodes, storagepool/ });
  assert.throws(() => resolveOptions([{ source: REQUEST, values: { fs: 'btrfs' } }]), { message: 'invalid fs "btrfs": use ext4 or xfs' });
  assert.throws(() => resolveOptions([{ source: REQUEST, values: { replicas: '0' } }]), { message: 'invalid replicas "0": use a whole number from 1 to 32' });
  assert.throws(() => resolveOptions([{ source: REQUEST, values: { disklessonremaining: 'maybe' } }]), { message: 'invalid disklessonremaining "maybe": use true or false' });
  assert.throws(() => resolveOptions([{ source: REQUEST, values: { storagepool: 'a/b' } }]), { message: /^invalid storagepool "a\/b": a storage pool name must not contain/ });
  assert.throws(() => resolveOptions([{ source: REQUEST, values: { donotplacewithregex: '(' } }]), { message: /^invalid donotplacewithregex "\(":/ });
  assert.throws(() => resolveOptions([{ source: '/x.conf [global]', values: { size: 'huge' } }]), { message: /^invalid size "huge": .* \(from \/x\.conf \[global\]\)$/ });
  assert.throws(() => resolveOptions([{ source: '/x.conf [global]', values: { colour: 'red' } }]), { message: /^unknown option "colour" in \/x\.conf \[global\]/ });
});

test('options -> VolumeOps spec: props, placement and group as LINSTOR names them', () => {
  const spec = toSpec('v1', resolveOptions([{
    source: REQUEST,
    values: {
      size: '64M', fs: 'xfs', fsopts: '-m crc=1', mountopts: 'noatime', nodes: 'n1 n2', storagepool: 'pool_ssd', disklessstoragepool: 'DfltDisklessStorPool',
      disklessonremaining: 'false', donotplacewithregex: 'db-.*', replicasonsame: 'Aux/rack', replicasondifferent: 'Aux/site', resourcegroup: 'docker_rg',
    },
  }]));
  assert.deepEqual(spec, {
    name: 'v1',
    size_kib: 65536,
    resource_group: 'docker_rg',
    props: {
      'Aux/is-linstor-docker-volume': 'true', 'FileSystem/Type': 'xfs', 'FileSystem/MkfsParams': '-m crc=1', 'Aux/storhub/docker-volume/mountopts': 'noatime',
    },
    placement: {
      place_count: 2, node_name_list: ['n1', 'n2'], storage_pool: 'pool_ssd', storage_pool_diskless_list: ['DfltDisklessStorPool'],
      diskless_on_remaining: false, not_place_with_rsc_regex: 'db-.*', replicas_on_same: ['Aux/rack'], replicas_on_different: ['Aux/site'],
    },
  });
  // replicas wins over the node count; no placement options: no placement (the group decides).
  assert.equal(toSpec('v2', resolveOptions([{ source: REQUEST, values: { nodes: 'a,b,c', replicas: '1' } }])).placement?.place_count, 1);
  assert.deepEqual(toSpec('v3', resolveOptions([])), { name: 'v3', size_kib: 97657, props: { 'Aux/is-linstor-docker-volume': 'true', 'FileSystem/Type': 'ext4' } });
});

test('docker-volume.conf: [global] only, case-insensitive keys, comments, quotes; REST client keys ignored; unknown keys refused', () => {
  const conf = parseConfFile([
    '; linstor-docker-volume configuration',
    '[global]',
    'Controllers = linstor://ctrl-a',
    'FS = xfs',
    '# a comment',
    'size = "2G"',
    'Replicas=3',
    '[other]',
    'whatever = 1',
  ].join('\n'), '/etc/linstor/docker-volume.conf');
  assert.deepEqual(conf, { defaults: { fs: 'xfs', size: '2G', replicas: '3' }, ignored: ['controllers'] });
  assert.throws(() => parseConfFile('[global]\nfilesystem = xfs\n', '/c.conf'), { message: /^\/c\.conf line 2: unknown key "filesystem" in \[global\]/ });
  assert.throws(() => parseConfFile('[global]\njust words\n', '/c.conf'), { message: '/c.conf line 2: expected "key = value" or "[section]", found "just words"' });
});

test('docker-volume.conf reader: missing file is no defaults, a bad value is refused, an edit is picked up', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-dv-conf-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'docker-volume.conf');
  const reader = new ConfFileReader(path);
  assert.deepEqual(await reader.read(), { defaults: {}, ignored: [] });
  writeFileSync(path, '[global]\nsize = lots\n');
  await assert.rejects(reader.read(), { message: `invalid size "lots": write a number with an optional unit, e.g. 64M, 10GiB, 500MB (from ${path} [global])` });
  writeFileSync(path, '[global]\nreplicas = 1\nfs = xfs\n');
  assert.deepEqual((await reader.read()).defaults, { replicas: '1', fs: 'xfs' });
  assert.deepEqual(await new ConfFileReader('').read(), { defaults: {}, ignored: [] });
});

test('config schema: defaults, strict keys, absolute paths, defaults table checked like request options', () => {
  assert.deepEqual(configSchema.parse({}), {
    driver: 'linstor', socket_dir: '/run/docker/plugins', mount_root: '/var/lib/storhub/docker/mounts',
    conf_file: '/etc/linstor/docker-volume.conf', defaults: {}, attach_timeout_s: 120, format_wait_s: 15,
  });
  const c = configSchema.parse({ driver: 'storhub', conf_file: '', defaults: { replicas: 2, nodes: ['a', 'b'], disklessonremaining: true } });
  assert.deepEqual(c.defaults, { replicas: '2', nodes: 'a b', disklessonremaining: 'true' });
  const issues = (input: unknown) => configSchema.safeParse(input).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  assert.deepEqual(issues({ sockt_dir: '/x' }), [': Unrecognized key: "sockt_dir"']);
  assert.deepEqual(issues({ socket_dir: 'relative' }), ['socket_dir: must be an absolute directory path without ".."']);
  assert.deepEqual(issues({ driver: 'a/b' }), ['driver: must be a plain name (letters, digits, "_", "-", "."), e.g. linstor']);
  assert.deepEqual(issues({ defaults: { size: 'lots' } }), ['defaults: invalid size "lots": write a number with an optional unit, e.g. 64M, 10GiB, 500MB (from [defaults])']);
  assert.deepEqual(configSchema.parse({ resource_group: { name: 'docker', place_count: 2, layer_stack: ['drbd', 'storage'] } }).resource_group,
    { name: 'docker', place_count: 2, layer_stack: ['DRBD', 'STORAGE'] });
  assert.deepEqual(issues({ resource_group: { name: 'd', layer_stack: ['ZFS'] } }), [
    'resource_group.name: a resource group name must be 2 to 48 characters long',
    'resource_group.layer_stack.0: Invalid option: expected one of "DRBD"|"LUKS"|"STORAGE"|"NVME"|"WRITECACHE"|"CACHE"|"BCACHE"',
  ]);
  assert.deepEqual(issues({ resource_group: { name: 'docker', placecount: 2 } }), ['resource_group: Unrecognized key: "placecount"']);
  assert.deepEqual(issues({ defaults: { colour: 'red' } }), ['defaults: unknown option "colour" in [defaults]; known options: size, fs, fsopts, mountopts, replicas, nodes, storagepool, disklessstoragepool, disklessonremaining, donotplacewithregex, replicasonsame, replicasondifferent, resourcegroup']);
});

/** FILE / FILE_THIN argv builders (exact) and losetup parsers against recorded real output. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as cmd from '../src/satellite/providers/file/commands.js';
import { parseAttach, parseLoopList } from '../src/satellite/providers/file/parse.js';
import { splitOptions } from '../src/satellite/providers/common.js';

const dir = fileURLToPath(new URL('../../../test/fixtures/commands/losetup/', import.meta.url));
const fx = (name: string) => readFileSync(dir + name, 'utf8');

test('file provider argv builders are exact', () => {
  assert.deepEqual(cmd.truncateArgv('/p/r_00000.img', 10485760), ['truncate', '--size', '10485760', '/p/r_00000.img']);
  assert.deepEqual(cmd.fallocateArgv('/p/r_00000.img', 10485760), ['fallocate', '--length', '10485760', '/p/r_00000.img']);
  assert.deepEqual(cmd.attachArgv('/p/r_00000.img', true), ['losetup', '--find', '--show', '--direct-io=on', '/p/r_00000.img']);
  assert.deepEqual(cmd.attachArgv('/p/r_00000.img', false), ['losetup', '--find', '--show', '/p/r_00000.img']);
  assert.deepEqual(cmd.associatedArgv('/p/r_00000.img'), ['losetup', '--list', '--json', '--output', 'NAME,BACK-FILE', '--associated', '/p/r_00000.img']);
  assert.deepEqual(cmd.listAllArgv(), ['losetup', '--list', '--json', '--output', 'NAME,BACK-FILE']);
  assert.deepEqual(cmd.detachArgv('/dev/loop3'), ['losetup', '--detach', '/dev/loop3']);
  assert.deepEqual(cmd.setCapacityArgv('/dev/loop3'), ['losetup', '--set-capacity', '/dev/loop3']);
});

test('losetup JSON parses (recorded util-linux 2.38.1 output)', () => {
  const all = parseLoopList(fx('list-all.json'));
  assert.deepEqual(all.map((d) => d.name), ['/dev/loop0', '/dev/loop1', '/dev/loop2', '/dev/loop3', '/dev/loop4'], 'sorted by number');
  const gone = all.find((d) => d.name === '/dev/loop4')!;
  assert.deepEqual(gone, { name: '/dev/loop4', backFile: '/tmp/storhub-rec.2obC/gone_00000.img', deleted: true });
  assert.deepEqual(parseLoopList(fx('list-associated-two.json')), [
    { name: '/dev/loop1', backFile: '/tmp/storhub-rec.2obC/res1_00000.img', deleted: false },
    { name: '/dev/loop2', backFile: '/tmp/storhub-rec.2obC/res1_00000.img', deleted: false },
  ]);
  assert.deepEqual(parseLoopList(fx('list-associated-none.json')), []);
  assert.deepEqual(parseLoopList(fx('list-associated-missing.stdout')), []);
  assert.deepEqual(parseLoopList(''), []);
  assert.equal(parseAttach(fx('attach.stdout')), '/dev/loop5');
  assert.throws(() => parseAttach('losetup: cannot find an unused loop device\n'), /did not print a loop device/);
  assert.match(fx('detach-missing.stderr'), /No such device/, 'the text deleteVolume treats as "already detached"');
});

test('StorDriver/*Options strings split into argv words, quotes group, nothing is a shell', () => {
  assert.deepEqual(splitOptions(undefined), []);
  assert.deepEqual(splitOptions('  --type raid1  -m 1 '), ['--type', 'raid1', '-m', '1']);
  assert.deepEqual(splitOptions(`--addtag "a b" -o 'x=$(rm -rf /)'`), ['--addtag', 'a b', '-o', 'x=$(rm -rf /)']);
  assert.deepEqual(splitOptions('--addtag ""'), ['--addtag', '']);
  assert.throws(() => splitOptions('--addtag "open'), /Unbalanced/);
});

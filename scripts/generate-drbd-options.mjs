#!/usr/bin/env node
/**
 * Turns recorded `drbdsetup xml-help <command>` output into core/src/props/drbd-options.json: one
 * whitelist entry per DRBD option, under the LINSTOR key namespace of its option set.
 *
 *   node scripts/generate-drbd-options.mjs            # from test/fixtures/commands/drbdsetup-xml-help/
 *   node scripts/generate-drbd-options.mjs --record   # first re-record the fixtures with the local drbdsetup
 *
 * `drbdsetup xml-help` needs no kernel module, so recording works on any machine with drbd-utils.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import xml2js from 'xml2js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixtures = join(root, 'test/fixtures/commands/drbdsetup-xml-help');
const output = join(root, 'core/src/props/drbd-options.json');

/**
 * The option sets LINSTOR maps, and their key namespace. Net options come from `new-peer` (not
 * `net-options`) because only `new-peer` lists `transport`; `net-options` offers the same options
 * otherwise. `attach` repeats `disk-options` plus `size`, which LINSTOR sets itself.
 */
const SETS = [
  { command: 'resource-options', section: 'Resource' },
  { command: 'disk-options', section: 'Disk' },
  { command: 'new-peer', section: 'Net' },
  { command: 'peer-device-options', section: 'PeerDevice' },
];
/** Everything recorded, including the sets kept only for comparison. */
const RECORDED = [...SETS.map((s) => s.command), 'net-options', 'attach', 'connect', 'new-minor'];

/** drbd.conf `handlers` section: not in xml-help, so LINSTOR lists them by name (all plain strings). */
const HANDLERS = [
  'after-resync-target', 'before-resync-target', 'before-resync-source', 'out-of-sync', 'quorum-lost',
  'fence-peer', 'unfence-peer', 'initial-split-brain', 'local-io-error', 'pri-lost', 'pri-lost-after-sb',
  'pri-on-incon-degr', 'split-brain',
];

/** Options that are not settable properties: command flags and internal names. */
const SKIP = new Set(['set-defaults', '_name']);

function record() {
  for (const command of RECORDED) {
    const xml = execFileSync('drbdsetup', ['xml-help', command], { encoding: 'utf8' });
    writeFileSync(join(fixtures, `${command}.xml`), xml);
  }
  const version = execFileSync('drbdadm', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    .split('\n').find((l) => l.startsWith('DRBDADM_VERSION='))?.split('=')[1];
  if (version) writeFileSync(join(fixtures, 'VERSION'), version + '\n');
}

const text = (node, tag) => node[tag]?.[0];

function convert(section, command, opt) {
  const name = opt.$.name;
  const type = opt.$.type;
  const entry = { key: `DrbdOptions/${section}/${name}`, type: '', info: `DRBD ${command} option '${name}'` };
  const dflt = text(opt, 'default');
  switch (type) {
    case 'boolean':
      entry.type = 'boolean';
      break;
    case 'string':
      entry.type = 'string';
      break;
    case 'handler':
      entry.type = 'symbol';
      entry.values = opt.handler;
      break;
    case 'numeric':
      // every numeric option of drbd-utils 9 has a min and max; a bare number would be a `long`
      entry.type = text(opt, 'min') === undefined ? 'long' : 'range';
      if (entry.type === 'range') {
        entry.min = Number(text(opt, 'min'));
        entry.max = Number(text(opt, 'max'));
      }
      break;
    case 'numeric-or-symbol':
      entry.type = 'numeric_or_symbol';
      entry.min = Number(text(opt, 'min'));
      entry.max = Number(text(opt, 'max'));
      entry.values = opt.symbol;
      break;
    default:
      throw new Error(`${command}: option '${name}' has unknown type '${type}'`);
  }
  if (dflt !== undefined) entry.dflt = dflt;
  const unit = text(opt, 'unit');
  if (unit) entry.unit = unit;
  if (name === 'resync-after') {
    // DRBD 9 takes a resource/volume name here, while xml-help still describes a minor number
    for (const k of ['min', 'max', 'dflt', 'unit']) delete entry[k];
    entry.type = 'string';
  }
  return entry;
}

async function main() {
  if (process.argv.includes('--record')) record();
  const options = [];
  for (const { command, section } of SETS) {
    const parsed = await xml2js.parseStringPromise(readFileSync(join(fixtures, `${command}.xml`), 'utf8'));
    for (const opt of parsed.command.option ?? []) {
      if (opt.$.type === 'flag' || SKIP.has(opt.$.name)) continue;
      options.push(convert(section, command, opt));
    }
  }
  for (const h of HANDLERS) {
    options.push({ key: `DrbdOptions/Handlers/${h}`, type: 'string', info: `DRBD handler '${h}' (command line)` });
  }
  const version = readFileSync(join(fixtures, 'VERSION'), 'utf8').trim();
  const doc = {
    generated_by: 'scripts/generate-drbd-options.mjs',
    source: `drbdsetup xml-help (drbd-utils ${version})`,
    options,
  };
  writeFileSync(output, JSON.stringify(doc, null, 2) + '\n');
  process.stdout.write(`${options.length} DRBD options written to ${output}\n`);
}

await main();

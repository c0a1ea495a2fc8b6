/** `storhub database export|import`: offline, on the SQLite file, through the bin. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite.js';
import { storhub } from './cli-helpers.js';
import { makeApi, makeController, satelliteNode } from './helpers.js';

test('export writes a storhub-database document; import refuses anything else and restores it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'storhub-cli-db-'));
  try {
    const src = join(dir, 'src.db');
    const api = await makeApi(makeController(src));
    await api.call('POST', '/v1/nodes', satelliteNode('dbnode'));
    await api.call('POST', '/v1/controller/properties', { override_props: { 'Aux/db-test': 'kept' } });
    await api.close();

    const out = join(dir, 'export.json');
    const ex = await storhub(['database', 'export', out, '--db', src]);
    assert.equal(ex.code, 0, ex.stderr);
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    assert.equal(doc.format, 'storhub-database');
    assert.equal(doc.format_version, 1);
    assert.ok(doc.objects.some((o: { kind: string; value: { name?: string } }) => o.kind === 'node' && o.value.name === 'dbnode'));

    const stdout = await storhub(['db', 'export', '-', '--db', `sqlite:${src}`]);
    assert.equal(stdout.code, 0);
    assert.equal(JSON.parse(stdout.stdout).objects.length, doc.objects.length);

    const bogus = join(dir, 'bogus.json');
    writeFileSync(bogus, JSON.stringify({ hello: 'world' }));
    const target = join(dir, 'target.db');
    const refused = await storhub(['database', 'import', bogus, '--db', target]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not a Storhub database export/);

    const notJson = join(dir, 'x.txt');
    writeFileSync(notJson, 'nope');
    assert.equal((await storhub(['database', 'import', notJson, '--db', target])).code, 1);

    const im = await storhub(['database', 'import', out, '--db', target]);
    assert.equal(im.code, 0, im.stderr);
    assert.match(im.stderr, /controller .*must be stopped/);
    const store = new SqliteStore({ path: target });
    const objects = store.loadAll();
    store.close();
    assert.equal(objects.length, doc.objects.length);

    const restored = await makeApi(makeController(target));
    assert.equal((await restored.call('GET', '/v1/nodes/dbnode')).status, 200);
    assert.equal((await restored.call('GET', '/v1/controller/properties')).body['Aux/db-test'], 'kept');
    await restored.close();

    const noDb = await storhub(['database', 'export', join(dir, 'o.json'), '--db', join(dir, 'missing.db')]);
    assert.equal(noDb.code, 1);
    assert.match(noDb.stderr, /no database at/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * The satellite's snapshot flow with fake providers and layers: desired snapshots are taken (DRBD I/O
 * suspended around them), unwanted ones deleted, wanted ones survive the full-sync sweep, restore and
 * clone make new volumes before the stack runs, rollbacks apply once (also across a restart), are
 * refused while in use, and take the upper layers down first.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordedRunner } from '../src/exec/recorded.js';
import type { LayerKind, ProviderKind } from '../src/model/enums.js';
import { createDrbdLayer } from '../src/satellite/layers/drbd/layer.js';
import type { DesiredPool, DesiredResource, ObservedResource, StateReport } from '../src/satellite/protocol.js';
import type { ProviderSnapshot, SnapshotRef, StorageProvider, VolumeRequest } from '../src/satellite/providers/provider.js';
import { isSnapshotStorageName } from '../src/satellite/providers/snapshot-common.js';
import type { UpdateResult } from '../src/satellite/satellite.js';
import { snapshotOwner } from '../src/satellite/snapshot-support.js';
import { silent } from './helpers.js';
import { FakeProvider, PassLayer, detectAll, full, makeSatellite, pool, rsc, vol } from './satellite-fakes.js';

/** FakeProvider with snapshots kept in the pool's namespace, as FILE and LVM_THIN keep them. */
class SnapProvider extends FakeProvider {
  readonly supportsSnapshots = true;
  /** pool dir -> storage names that are snapshots */
  readonly snaps = new Map<string, Set<string>>();
  failCreate?: (name: string) => boolean;
  events?: string[];

  private dir(p: DesiredPool) {
    return p.props['StorDriver/StorPoolName'];
  }

  private snapSet(p: DesiredPool) {
    let s = this.snaps.get(this.dir(p));
    if (!s) this.snaps.set(this.dir(p), (s = new Set()));
    return s;
  }

  private record(what: string) {
    this.mutations.push(what);
    this.events?.push(what);
  }

  async createSnapshot(_c: unknown, p: DesiredPool, volume: string, snapshot: string): Promise<ProviderSnapshot> {
    const name = `${volume}_${snapshot}`;
    const vols = this.pools.get(this.dir(p)) ?? new Map<string, number>();
    if (this.snapSet(p).has(name)) return { name, allocated_kib: 7 };
    if (!vols.has(volume)) throw new Error(`no volume ${volume}`);
    if (this.failCreate?.(name)) throw new Error(`cannot snapshot ${name}`);
    vols.set(name, vols.get(volume)!);
    this.snapSet(p).add(name);
    this.record(`snapshot ${name}`);
    return { name, allocated_kib: 7 };
  }

  async deleteSnapshot(_c: unknown, p: DesiredPool, volume: string, snapshot: string): Promise<void> {
    const name = `${volume}_${snapshot}`;
    if (!this.snapSet(p).delete(name)) return;
    this.pools.get(this.dir(p))?.delete(name);
    this.record(`delete-snapshot ${name}`);
  }

  async listSnapshots(_c: unknown, p: DesiredPool): Promise<ProviderSnapshot[]> {
    return [...this.snapSet(p)].filter(isSnapshotStorageName).sort().map((name) => ({ name, allocated_kib: 7 }));
  }

  async restoreVolume(_c: unknown, p: DesiredPool, from: SnapshotRef, req: VolumeRequest) {
    const src = `${from.volume}_${from.snapshot}`;
    const vols = this.pools.get(this.dir(p))!;
    if (!this.snapSet(p).has(src)) throw new Error(`no snapshot ${src}`);
    vols.set(req.name, Math.max(vols.get(src)!, req.size_kib));
    this.record(`restore ${req.name} from ${src}`);
    return { name: req.name, device_path: `/dev/fake/${req.name}`, allocated_kib: 0, usable_kib: vols.get(req.name)! };
  }

  async rollback(_c: unknown, p: DesiredPool, volume: string, snapshot: string): Promise<void> {
    if (!this.snapSet(p).has(`${volume}_${snapshot}`)) throw new Error('no such snapshot');
    this.record(`rollback ${volume} to ${snapshot}`);
  }

  /** Puts a snapshot in place as if taken earlier (or by a crashed run). */
  seed(dir: string, name: string, size = 1024) {
    let vols = this.pools.get(dir);
    if (!vols) this.pools.set(dir, (vols = new Map()));
    vols.set(name, size);
    let s = this.snaps.get(dir);
    if (!s) this.snaps.set(dir, (s = new Set()));
    s.add(name);
  }
}

/** A DRBD stand-in: records suspend/resume into the shared event log and says whether it is in use. */
class FakeDrbd extends PassLayer {
  inUse = false;
  constructor(readonly events: string[]) {
    super('DRBD');
  }
  async suspendIo(_c: unknown, r: DesiredResource) {
    this.events.push(`suspend ${r.name}`);
  }
  async resumeIo(_c: unknown, r: DesiredResource) {
    this.events.push(`resume ${r.name}`);
  }
  async observe() {
    return { in_use: this.inUse, connections: {}, volumes: new Map() };
  }
  override async remove(c: unknown, r: DesiredResource, next: () => Promise<void>) {
    this.events.push(`drbd-down ${r.name}`);
    return super.remove(c, r, next);
  }
}

const P = pool('DfltStorPool', '/pools/a');
const drbdStack = { layer_stack: ['DRBD', 'STORAGE'] as LayerKind[] };

function applied(r: UpdateResult): StateReport {
  assert.equal(r.status, 'applied', JSON.stringify(r));
  return (r as { report: StateReport }).report;
}
const one = (rep: StateReport, name: string): ObservedResource => rep.resources.find((r) => r.name === name)!;

async function sat(more: { events?: string[]; drbd?: FakeDrbd; stateDir?: string; provider?: SnapProvider } = {}) {
  const provider = more.provider ?? new SnapProvider();
  provider.events = more.events;
  const layers = new Map<LayerKind, PassLayer>(more.drbd ? [['DRBD', more.drbd]] : []);
  return makeSatellite({ provider, layers, detectors: [detectAll(['FILE_THIN'], more.drbd ? ['DRBD'] : [])], ...(more.stateDir ? { stateDir: more.stateDir } : {}) }).then((s) => ({ ...s, provider }));
}

test('desired snapshots are taken of every volume, under suspend-io on DRBD, and reported', async (t) => {
  const events: string[] = [];
  const drbd = new FakeDrbd(events);
  const s = await sat({ events, drbd });
  t.after(s.cleanup);
  const r = rsc('r1', [vol(0, 1024), vol(1, 2048)], { ...drbdStack, snapshots: [{ name: 'snap1', suspend_io: true }] });
  const rep = applied(await s.sat.applyUpdate(full(1, [P], [r])));
  assert.deepEqual(events, ['suspend r1', 'snapshot r1_00000_snap1', 'snapshot r1_00001_snap1', 'resume r1']);
  const o = one(rep, 'r1');
  assert.deepEqual(o.reports, []);
  assert.deepEqual(o.snapshots, [{ name: 'snap1', created: true, volumes: [{ volume_number: 0, allocated_size_kib: 7 }, { volume_number: 1, allocated_size_kib: 7 }], reports: [] }]);

  // Again: nothing to do, the same report.
  events.length = 0;
  const rep2 = applied(await s.sat.applyUpdate(full(2, [P], [r])));
  assert.deepEqual(events, []);
  assert.deepEqual(one(rep2, 'r1').snapshots, o.snapshots);

  // Without suspend_io (or without DRBD on top) nothing is suspended.
  const r2 = { ...r, snapshots: [{ name: 'snap1', suspend_io: true }, { name: 'snap2', suspend_io: false }] };
  applied(await s.sat.applyUpdate(full(3, [P], [r2])));
  assert.deepEqual(events, ['snapshot r1_00000_snap2', 'snapshot r1_00001_snap2']);
});

test('a snapshot that fails on one volume is dropped on the others and reported; the next converge retries', async (t) => {
  const s = await sat();
  t.after(s.cleanup);
  s.provider.failCreate = (n) => n === 'r1_00001_s';
  const r = rsc('r1', [vol(0, 1024), vol(1, 1024)], { snapshots: [{ name: 's', suspend_io: false }] });
  const rep = applied(await s.sat.applyUpdate(full(1, [P], [r])));
  const snap = one(rep, 'r1').snapshots![0];
  assert.equal(snap.created, false);
  assert.deepEqual(snap.volumes, []);
  assert.equal(snap.reports[0].severity, 'error');
  assert.match(snap.reports[0].message, /^Taking snapshot 's' of resource 'r1' failed: cannot snapshot r1_00001_s/);
  assert.deepEqual(s.provider.mutations.filter((m) => m.includes('_s')), ['snapshot r1_00000_s', 'delete-snapshot r1_00000_s']);

  s.provider.failCreate = undefined;
  const rep2 = applied(await s.sat.applyUpdate(full(2, [P], [r])));
  assert.equal(one(rep2, 'r1').snapshots![0].created, true);
});

test('Storhub-named snapshots no longer desired are deleted; without a snapshots list nothing is', async (t) => {
  const s = await sat();
  t.after(s.cleanup);
  const base = rsc('r1', [vol(0, 1024)]);
  applied(await s.sat.applyUpdate(full(1, [P], [base])));
  s.provider.seed('/pools/a', 'r1_00000_old');
  s.provider.seed('/pools/a', 'r1_00000_keep');
  s.provider.seed('/pools/a', 'r1_00000_clone.r9'); // a clone in progress of another resource
  s.provider.seed('/pools/a', 'other_00000_old');

  // No list: the controller has no opinion (no snapshot records); nothing is touched.
  const rep = applied(await s.sat.applyUpdate(full(2, [P], [base])));
  assert.equal(one(rep, 'r1').snapshots, undefined);
  assert.deepEqual(s.provider.mutations.filter((m) => m.startsWith('delete')), []);

  const rep2 = applied(await s.sat.applyUpdate(full(3, [P], [{ ...base, snapshots: [{ name: 'keep', suspend_io: false }] }])));
  assert.deepEqual(s.provider.mutations.filter((m) => m.startsWith('delete')), ['delete-snapshot r1_00000_old']);
  assert.deepEqual(one(rep2, 'r1').snapshots!.map((x) => [x.name, x.created]), [['keep', true]]);
  assert.deepEqual([...s.provider.snaps.get('/pools/a')!].sort(), ['other_00000_old', 'r1_00000_clone.r9', 'r1_00000_keep']);
});

test('names are split against the resources held: another resource\'s snapshot is never taken for one\'s own', async () => {
  // `aa_00000_bb_00001_cc` is resource aa's snapshot "bb_00001_cc" or resource aa_00000_bb's snapshot "cc".
  const snap = { name: 'aa_00000_bb_00001_cc' };
  assert.deepEqual(snapshotOwner(snap, ['aa']), { resource: 'aa', volumeNumber: 0, volume: 'aa_00000', snapshot: 'bb_00001_cc' });
  assert.deepEqual(snapshotOwner(snap, ['aa', 'aa_00000_bb']), { resource: 'aa_00000_bb', volumeNumber: 1, volume: 'aa_00000_bb_00001', snapshot: 'cc' });
  assert.equal(snapshotOwner(snap, ['zz']), undefined);
  assert.equal(snapshotOwner({ name: 'aa_00000' }, ['aa']), undefined, 'a data volume is no snapshot');
  assert.deepEqual(snapshotOwner({ name: 'AA_00002_s', volume: 'AA_00002', snapshot: 's' }, ['aa']), { resource: 'aa', volumeNumber: 2, volume: 'AA_00002', snapshot: 's' });
});

test('the other resource\'s snapshot survives when one resource deletes its unwanted snapshots', async (t) => {
  const s = await sat();
  t.after(s.cleanup);
  const aa = rsc('aa', [vol(0, 1024)], { snapshots: [] });
  const other = rsc('aa_00000_bb', [vol(1, 1024)], { snapshots: [{ name: 'cc', suspend_io: false }] });
  applied(await s.sat.applyUpdate(full(1, [P], [aa, other])));
  assert.ok(s.provider.snaps.get('/pools/a')!.has('aa_00000_bb_00001_cc'));
  s.provider.mutations.length = 0;
  applied(await s.sat.applyUpdate(full(2, [P], [aa, other])));
  assert.deepEqual(s.provider.mutations, [], 'aa does not delete aa_00000_bb\'s snapshot "cc"');
});

test('full sync: a wanted snapshot whose name looks like a volume survives the sweep, an unwanted one goes', async (t) => {
  const s = await sat();
  t.after(s.cleanup);
  // `r1_00000_s_00001` parses as volume 1 of a resource "r1_00000_s" that this node does not have.
  const r = rsc('r1', [vol(0, 1024)], { snapshots: [{ name: 's_00001', suspend_io: false }] });
  applied(await s.sat.applyUpdate(full(1, [P], [r])));
  assert.ok(s.provider.names('/pools/a').includes('r1_00000_s_00001'));
  s.provider.seed('/pools/a', 'r1_00000_t_00002');
  s.provider.mutations.length = 0;

  applied(await s.sat.applyUpdate(full(2, [P], [r])));
  assert.deepEqual(s.provider.names('/pools/a'), ['r1_00000', 'r1_00000_s_00001']);
  assert.equal(s.provider.mutations.length, 1);
  assert.match(s.provider.mutations[0], /^delete(-snapshot)? r1_00000_t_00002$/, 'the unwanted one is removed (by the sweep or the snapshot cleanup)');

  // Once the snapshot is no longer wanted, it goes too.
  applied(await s.sat.applyUpdate(full(3, [P], [{ ...r, snapshots: [] }])));
  assert.deepEqual(s.provider.names('/pools/a'), ['r1_00000']);
});

test('restore makes the new volumes from the snapshot before the stack; once they exist the source is ignored', async (t) => {
  const s = await sat();
  t.after(s.cleanup);
  const src = rsc('src', [vol(0, 1024), vol(1, 2048)], { snapshots: [{ name: 's1', suspend_io: false }] });
  applied(await s.sat.applyUpdate(full(1, [P], [src])));
  s.provider.mutations.length = 0;
  const dst = rsc('dst', [vol(0, 1024, 'DfltStorPool', { 'FileSystem/Type': 'ext4' }), vol(1, 2048)], { source: { resource: 'src', snapshot: 's1' } });
  const rep = applied(await s.sat.applyUpdate(full(2, [P], [src, dst])));
  assert.deepEqual(s.provider.mutations, ['restore dst_00000 from src_00000_s1', 'restore dst_00001 from src_00001_s1'],
    'restored, not created empty (and no create after it)');
  const o = one(rep, 'dst');
  assert.deepEqual(o.reports, [], 'no mkfs: a restored volume is never marked for formatting');
  assert.deepEqual(o.volumes.map((v) => [v.volume_number, v.device_path, v.usable_size_kib]), [[0, '/dev/fake/dst_00000', 1024], [1, '/dev/fake/dst_00001', 2048]]);

  s.provider.mutations.length = 0;
  applied(await s.sat.applyUpdate(full(3, [P], [src, dst])));
  assert.deepEqual(s.provider.mutations, []);
});

test('a failed restore stops the resource there: no empty volume takes the data\'s place', async (t) => {
  const s = await sat();
  t.after(s.cleanup);
  const src = rsc('src', [vol(0, 1024)]);
  const dst = rsc('dst', [vol(0, 1024)], { source: { resource: 'src', snapshot: 'missing' } });
  const rep = applied(await s.sat.applyUpdate(full(1, [P], [src, dst])));
  const o = one(rep, 'dst');
  assert.deepEqual(o.volumes, []);
  assert.equal(o.reports.length, 1);
  assert.equal(o.reports[0].severity, 'error');
  assert.match(o.reports[0].message, /^Restoring volume dst_00000 from snapshot 'missing' of resource 'src' failed: no snapshot src_00000_missing/);
  assert.ok(!s.provider.names('/pools/a').includes('dst_00000'));

  // A source in another pool cannot be restored from (snapshots stay in their pool).
  const Q = pool('Other', '/pools/b');
  const dst2 = rsc('dst2', [vol(0, 1024, 'Other')], { source: { resource: 'src', snapshot: 'x' } });
  const rep2 = applied(await s.sat.applyUpdate(full(2, [P, Q], [src, dst2])));
  assert.match(one(rep2, 'dst2').reports[0].message, /the source is in storage pool 'DfltStorPool', the new volume in 'Other'/);
});

test('clone: a temporary snapshot of the source, restored, then deleted', async (t) => {
  const s = await sat();
  t.after(s.cleanup);
  const src = rsc('src', [vol(0, 1024)], { snapshots: [] });
  applied(await s.sat.applyUpdate(full(1, [P], [src])));
  s.provider.seed('/pools/a', 'src_00000_clone.copy'); // left by an interrupted clone: old data
  s.provider.mutations.length = 0;
  const rep = applied(await s.sat.applyUpdate(full(2, [P], [src, rsc('copy', [vol(0, 1024)], { source: { resource: 'src' } })])));
  assert.deepEqual(s.provider.mutations, [
    'delete-snapshot src_00000_clone.copy', 'snapshot src_00000_clone.copy', 'restore copy_00000 from src_00000_clone.copy', 'delete-snapshot src_00000_clone.copy',
  ]);
  assert.deepEqual(one(rep, 'copy').reports, []);
  assert.deepEqual(s.provider.names('/pools/a'), ['copy_00000', 'src_00000']);
});

test('rollback: applied once per request id, remembered across a restart, reported', async (t) => {
  const events: string[] = [];
  const s = await sat({ events });
  const stateDir = s.stateDir;
  t.after(s.cleanup);
  const r = (id: number): DesiredResource => rsc('r1', [vol(0, 1024), vol(1, 1024)], { snapshots: [{ name: 's', suspend_io: false }], rollback: { snapshot: 's', request_id: id } });
  applied(await s.sat.applyUpdate(full(1, [P], [rsc('r1', [vol(0, 1024), vol(1, 1024)], { snapshots: [{ name: 's', suspend_io: false }] })])));
  events.length = 0;
  const rep = applied(await s.sat.applyUpdate(full(2, [P], [r(1)])));
  assert.deepEqual(events, ['rollback r1_00000 to s', 'rollback r1_00001 to s']);
  assert.equal(one(rep, 'r1').rollback_applied, 1);
  assert.deepEqual(one(rep, 'r1').reports, []);

  events.length = 0;
  const again = applied(await s.sat.applyUpdate(full(3, [P], [r(1)])));
  assert.deepEqual(events, [], 'a resend is harmless');
  assert.equal(one(again, 'r1').rollback_applied, 1);

  // A restarted satellite still knows request 1 was applied.
  await s.sat.close();
  const s2 = await sat({ events, stateDir, provider: s.provider });
  const rep3 = applied(await s2.sat.applyUpdate(full(1, [P], [r(1)])));
  assert.deepEqual(events, []);
  assert.equal(one(rep3, 'r1').rollback_applied, 1);
  const rep4 = applied(await s2.sat.applyUpdate(full(2, [P], [r(2)])));
  assert.deepEqual(events, ['rollback r1_00000 to s', 'rollback r1_00001 to s']);
  assert.equal(one(rep4, 'r1').rollback_applied, 2);
  await s2.sat.close();
});

test('rollback takes the layers above STORAGE down first and is refused while DRBD is in use', async (t) => {
  const events: string[] = [];
  const drbd = new FakeDrbd(events);
  const s = await sat({ events, drbd });
  t.after(s.cleanup);
  const base = rsc('r1', [vol(0, 1024)], { ...drbdStack, snapshots: [{ name: 's', suspend_io: true }] });
  applied(await s.sat.applyUpdate(full(1, [P], [base])));
  drbd.inUse = true;
  events.length = 0;
  const refused = one(applied(await s.sat.applyUpdate(full(2, [P], [{ ...base, rollback: { snapshot: 's', request_id: 5 } }]))), 'r1');
  assert.deepEqual(events, []);
  assert.equal(refused.rollback_applied, undefined);
  assert.equal(refused.reports[0].severity, 'error');
  assert.equal(refused.reports[0].message, "Rolling back resource 'r1' to snapshot 's' was refused: the resource is in use on node 'alpha' (DRBD reports the resource Primary or open).");

  drbd.inUse = false;
  drbd.calls.length = 0;
  const ok = one(applied(await s.sat.applyUpdate(full(3, [P], [{ ...base, rollback: { snapshot: 's', request_id: 5 } }]))), 'r1');
  assert.deepEqual(events, ['drbd-down r1', 'rollback r1_00000 to s']);
  assert.deepEqual(drbd.calls, ['remove r1', 'apply r1'], 'DRBD down for the rollback, up again with the stack');
  assert.equal(ok.rollback_applied, 5);
  assert.deepEqual(ok.reports, []);
});

test('rollback to a snapshot missing on this node is an error and is not recorded', async (t) => {
  const s = await sat();
  t.after(s.cleanup);
  const rep = applied(await s.sat.applyUpdate(full(1, [P], [rsc('r1', [vol(0, 1024)], { rollback: { snapshot: 'nope', request_id: 1 } })])));
  const o = one(rep, 'r1');
  assert.equal(o.rollback_applied, undefined);
  assert.equal(o.reports[0].message, "Rolling back resource 'r1' to snapshot 'nope' failed: the snapshot does not exist for volume r1_00000 on node 'alpha'.");
});

test('a provider without snapshots refuses clearly; a diskless resource takes none', async (t) => {
  const thick = new FakeProvider('LVM');
  const s = await makeSatellite({
    provider: new SnapProvider(),
    providers: new Map<ProviderKind, StorageProvider>([['LVM', thick], ['DISKLESS', new FakeProvider('DISKLESS')]]),
    detectors: [detectAll(['LVM'])],
  });
  t.after(s.cleanup);
  const L = pool('Thick', '/vg', 'LVM');
  const rep = applied(await s.sat.applyUpdate(full(1, [L], [
    rsc('r1', [vol(0, 1024, 'Thick')], { snapshots: [{ name: 's', suspend_io: false }] }),
    rsc('r2', [vol(0, 1024, 'Thick')], { flags: ['DRBD_DISKLESS'], snapshots: [{ name: 's', suspend_io: false }] }),
  ])));
  const snap = one(rep, 'r1').snapshots![0];
  assert.equal(snap.created, false);
  assert.equal(snap.reports[0].message, "Snapshots of volume r1_00000 failed: Storage pool 'Thick' uses provider LVM, which cannot take snapshots.");
  assert.match(snap.reports[0].correction ?? '', /LVM_THIN, ZFS, ZFS_THIN, FILE, FILE_THIN/);
  const diskless = one(rep, 'r2').snapshots![0];
  assert.equal(diskless.created, false);
  assert.match(diskless.reports[0].message, /is diskless on node 'alpha'; snapshots are taken where its data is/);
});

test('removing a resource deletes its snapshots and forgets its rollbacks', async (t) => {
  const s = await sat();
  t.after(s.cleanup);
  const r = rsc('r1', [vol(0, 1024)], { snapshots: [{ name: 's', suspend_io: false }] });
  applied(await s.sat.applyUpdate(full(1, [P], [r, rsc('r2', [vol(0, 1024)], { snapshots: [{ name: 's', suspend_io: false }] })])));
  applied(await s.sat.applyUpdate(full(2, [P], [{ ...r, rollback: { snapshot: 's', request_id: 3 } }, rsc('r2', [vol(0, 1024)], { snapshots: [{ name: 's', suspend_io: false }] })])));
  s.provider.mutations.length = 0;
  const rep = applied(await s.sat.applyUpdate(full(3, [P], [rsc('r2', [vol(0, 1024)], { snapshots: [{ name: 's', suspend_io: false }] })])));
  assert.deepEqual(rep.removed_resources, ['r1']);
  assert.deepEqual(s.provider.mutations, ['delete-snapshot r1_00000_s', 'delete r1_00000']);
  assert.deepEqual(s.provider.names('/pools/a'), ['r2_00000', 'r2_00000_s']);

  // The same name again starts counting rollbacks from scratch.
  const back = applied(await s.sat.applyUpdate(full(4, [P], [r, rsc('r2', [vol(0, 1024)])])));
  assert.equal(one(back, 'r1').rollback_applied, undefined);
});

test('a snapshot found on only some volumes is reported, not completed (its parts would not be one moment)', async (t) => {
  const s = await sat();
  t.after(s.cleanup);
  const r = rsc('r1', [vol(0, 1024), vol(1, 1024)]);
  applied(await s.sat.applyUpdate(full(1, [P], [r])));
  s.provider.seed('/pools/a', 'r1_00000_s');
  s.provider.mutations.length = 0;
  const snap = one(applied(await s.sat.applyUpdate(full(2, [P], [{ ...r, snapshots: [{ name: 's', suspend_io: false }] }]))), 'r1').snapshots![0];
  assert.equal(snap.created, false);
  assert.deepEqual(snap.volumes, [{ volume_number: 0, allocated_size_kib: 7 }]);
  assert.equal(snap.reports[0].message, "Snapshot 's' of resource 'r1' exists for only some volumes (missing: r1_00001); the parts were not taken at one moment.");
  assert.equal(snap.reports[0].correction, "Delete the snapshot 's' and take it again.");
  assert.deepEqual(s.provider.mutations, []);
});

test('DRBD: suspend-io/resume-io per volume minor, only with the module loaded; resume tries every volume', async () => {
  const r = rsc('r1', [{ ...vol(0, 1024), minor_number: 1000 }, { ...vol(1, 1024), minor_number: 1001 }], drbdStack);
  const runner = new RecordedRunner([
    { argv: ['drbdsetup', 'suspend-io', '1000'], result: {} }, { argv: ['drbdsetup', 'suspend-io', '1001'], result: {} },
    { argv: ['drbdsetup', 'resume-io', '1000'], result: { exitCode: 10, stderr: 'some failure' } }, { argv: ['drbdsetup', 'resume-io', '1001'], result: {} },
  ]);
  const ctx = { runner, log: silent, node_name: 'alpha', stateDir: '/x', pools: new Map(), providers: new Map(), node_props: {}, reports: [] };
  const layer = createDrbdLayer({ moduleLoaded: true, files: { resDir: '/nonexistent', wrapperConf: '/nonexistent/w.conf' } });
  await layer.suspendIo(ctx, r);
  await assert.rejects(layer.resumeIo(ctx, r), /some failure/);
  assert.deepEqual(runner.calls, [
    ['drbdsetup', 'suspend-io', '1000'], ['drbdsetup', 'suspend-io', '1001'], ['drbdsetup', 'resume-io', '1000'], ['drbdsetup', 'resume-io', '1001'],
  ]);
  const off = new RecordedRunner();
  const noModule = createDrbdLayer({ moduleLoaded: false, files: { resDir: '/nonexistent', wrapperConf: '/nonexistent/w.conf' } });
  await noModule.suspendIo({ ...ctx, runner: off }, r);
  await noModule.resumeIo({ ...ctx, runner: off }, r);
  assert.deepEqual(off.calls, [], 'nothing runs where DRBD is not loaded');
});

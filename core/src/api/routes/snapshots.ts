/**
 * Snapshot mutations, restore, rollback, multi-snapshot, clone and sync status (contract §2.8,
 * §3 rows 44-48). The snapshot GETs live with the resources (resources.ts) and views (views.ts).
 * Status codes as LINSTOR: creating POSTs 201 (snapshot create, multi, clone), restore and rollback 200.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  CreateMultiSnapshot, ResourceDefinitionCloneRequest, ResourceDefinitionCloneStatus, ResourceDefinitionSyncStatus,
  SnapshotCreate, SnapshotRestore, SnapshotRollback,
} from '../../model/snapshot.js';
import { PropsModify } from '../../model/lenient.js';
import { CloneService } from '../../controller/services/clone.js';
import { SnapshotRestoreService } from '../../controller/services/snapshot-restore.js';
import { SnapshotService } from '../../controller/services/snapshots.js';
import type { ApiDeps } from '../context.js';
import { list } from '../query.js';
import { ApiCallRcList, route } from '../route.js';

const tags = ['snapshots'];
const rdBase = '/v1/resource-definitions/:resource';

const ResourceDefinitionCloneStarted = z.object({
  location: z.string(),
  source_name: z.string(),
  clone_name: z.string(),
  messages: ApiCallRcList.optional(),
});

export function snapshotRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const snapshots = new SnapshotService(c);
  const restore = new SnapshotRestoreService(c);
  const clones = new CloneService(c);

  route(app, 'POST', `${rdBase}/snapshots`, {
    summary: 'Create a snapshot on every diskful resource (or on the given nodes)', tags, rc: { op: 'CREATE', obj: 'SNAPSHOT' },
    status: 201, body: SnapshotCreate, reply: ApiCallRcList, operationId: 'resourceSnapshotCreate',
  }, ({ params, body }) => snapshots.create(params.resource, body));

  route(app, 'PUT', `${rdBase}/snapshots/:snapshot`, {
    summary: "Modify a snapshot definition's properties", tags, rc: { op: 'MODIFY', obj: 'SNAPSHOT' },
    body: PropsModify, reply: ApiCallRcList, operationId: 'snapshotModify',
  }, ({ params, body }) => snapshots.modify(params.resource, params.snapshot, body));

  route(app, 'DELETE', `${rdBase}/snapshots/:snapshot`, {
    summary: 'Delete a snapshot (everywhere, or only on the nodes given by ?nodes=)', tags, rc: { op: 'DELETE', obj: 'SNAPSHOT' },
    reply: ApiCallRcList, operationId: 'resourceSnapshotDelete',
  }, ({ params, query }) => snapshots.delete(params.resource, params.snapshot, list(query, 'nodes')));

  route(app, 'POST', '/v1/actions/snapshot/multi', {
    summary: 'Create snapshots of several resource definitions at once', tags, rc: { op: 'CREATE', obj: 'SNAPSHOT' },
    status: 201, body: CreateMultiSnapshot, reply: ApiCallRcList, operationId: 'createMultiSnapshot',
  }, ({ body }) => snapshots.createMulti(body));

  route(app, 'POST', `${rdBase}/snapshot-restore-volume-definition/:snapshot`, {
    summary: "Restore a snapshot's volume definitions into another resource definition", tags, rc: { op: 'CREATE', obj: 'SNAPSHOT' },
    body: SnapshotRestore, reply: ApiCallRcList, operationId: 'resourceSnapshotsRestoreVolumeDefinition',
  }, ({ params, body }) => restore.restoreVolumeDefinitions(params.resource, params.snapshot, body));

  route(app, 'POST', `${rdBase}/snapshot-restore-resource/:snapshot`, {
    summary: 'Restore a snapshot into resources of another resource definition', tags, rc: { op: 'CREATE', obj: 'SNAPSHOT' },
    body: SnapshotRestore, reply: ApiCallRcList, operationId: 'resourceSnapshotRestore',
  }, ({ params, body }) => restore.restoreResources(params.resource, params.snapshot, body));

  route(app, 'POST', `${rdBase}/snapshot-rollback/:snapshot`, {
    summary: 'Roll every resource of the definition back to its latest snapshot', tags, rc: { op: 'MODIFY', obj: 'SNAPSHOT' },
    body: SnapshotRollback, reply: ApiCallRcList, operationId: 'resourceSnapshotRollback',
  }, ({ params }) => snapshots.rollback(params.resource, params.snapshot));

  route(app, 'POST', `${rdBase}/clone`, {
    summary: 'Clone a resource definition with all its resources and data', tags: ['resource-definitions'],
    rc: { op: 'CREATE', obj: 'RSC_DFN' }, status: 201, body: ResourceDefinitionCloneRequest, reply: ResourceDefinitionCloneStarted,
    operationId: 'resourceDefinitionClone',
  }, ({ params, body }) => clones.clone(params.resource, body));

  route(app, 'GET', `${rdBase}/clone/:clone`, {
    summary: 'Status of a clone: CLONING, COMPLETE or FAILED', tags: ['resource-definitions'],
    reply: ResourceDefinitionCloneStatus, operationId: 'resourceDefinitionCloneStatus',
  }, ({ params }) => clones.status(params.resource, params.clone));

  route(app, 'GET', `${rdBase}/sync-status`, {
    summary: 'Whether every diskful replica is UpToDate', tags: ['resource-definitions'],
    reply: ResourceDefinitionSyncStatus, operationId: 'resourceDefinitionSyncStatus',
  }, ({ params }) => clones.syncStatus(params.resource));
}

/** Every route family, registered in this order. */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../context.js';
import { nodeRoutes } from './nodes.js';
import { storagePoolRoutes } from './storage-pools.js';
import { resourceGroupRoutes } from './resource-groups.js';
import { resourceDefinitionRoutes } from './resource-definitions.js';
import { resourceRoutes } from './resources.js';
import { resourceConnectionRoutes } from './resource-connections.js';
import { connectionRoutes } from './connections.js';
import { controllerRoutes } from './controller.js';
import { kvsRoutes } from './key-value-store.js';
import { errorReportRoutes } from './error-reports.js';
import { viewRoutes } from './views.js';
import { propertiesInfoRoutes } from './properties-info.js';
import { metricsRoutes } from './metrics.js';
import { placementRoutes } from './placement.js';
import { satelliteLifecycleRoutes } from './satellite-lifecycle.js';
import { encryptionRoutes } from './encryption.js';
import { externalFileRoutes } from './external-files.js';
import { nodeOperationRoutes } from './node-operations.js';
import { storhubPluginRoutes } from './storhub-plugins.js';
import { snapshotRoutes } from './snapshots.js';

export const ROUTES: Array<(app: FastifyInstance, deps: ApiDeps) => void> = [
  nodeRoutes,
  storagePoolRoutes,
  resourceGroupRoutes,
  resourceDefinitionRoutes,
  resourceRoutes,
  resourceConnectionRoutes,
  connectionRoutes,
  controllerRoutes,
  kvsRoutes,
  errorReportRoutes,
  viewRoutes,
  propertiesInfoRoutes,
  metricsRoutes,
  placementRoutes,
  satelliteLifecycleRoutes,
  encryptionRoutes,
  externalFileRoutes,
  storhubPluginRoutes,
  snapshotRoutes,
  nodeOperationRoutes,
];

/**
 * Picks the props maps of one inheritance order out of the graph (see resolve.ts). Objects that do not
 * exist (yet) are left undefined, which the resolver skips.
 */
import { key, type Graph } from '../controller/graph.js';
import type { ResourceDefinitionRecord, ResourceGroupRecord } from '../store/records.js';
import type { ContainersOf } from './resolve.js';

function groupOf(graph: Graph, rd: ResourceDefinitionRecord | undefined): ResourceGroupRecord | undefined {
  return rd ? graph.resourceGroup(rd.resource_group_name) : undefined;
}

/** DRBD resource options of the resource `rdName` on `nodeName`. */
export function containersForResource(graph: Graph, rdName: string, nodeName: string): ContainersOf<'drbdResource'> {
  const rd = graph.resourceDefinition(rdName);
  return {
    resource: graph.resource(rdName, nodeName)?.props,
    resourceDefinition: rd?.props,
    resourceGroup: groupOf(graph, rd)?.props,
    node: graph.node(nodeName)?.props,
    controller: graph.controller.props,
  };
}

/** DRBD net / peer-device options of the connection between `nodeA` and `nodeB` for `rdName`. */
export function containersForConnection(
  graph: Graph,
  rdName: string,
  nodeA: string,
  nodeB: string,
): ContainersOf<'drbdConnection'> {
  const rd = graph.resourceDefinition(rdName);
  return {
    resourceConnection: graph.resourceConnections.get(key.rscConn(rdName, nodeA, nodeB))?.props,
    resourceDefinition: rd?.props,
    nodeConnection: graph.nodeConnections.get(key.nodeConn(nodeA, nodeB))?.props,
    resourceGroup: groupOf(graph, rd)?.props,
    controller: graph.controller.props,
  };
}

/** Per-volume settings (DRBD disk options and others) of volume `volumeNumber` of a resource. */
export function containersForVolume(
  graph: Graph,
  rdName: string,
  nodeName: string,
  volumeNumber: number,
): ContainersOf<'volume'> {
  const rd = graph.resourceDefinition(rdName);
  const rg = groupOf(graph, rd);
  const rsc = graph.resource(rdName, nodeName);
  return {
    volume: rsc?.volumes.find((v) => v.volume_number === volumeNumber)?.props,
    resource: rsc?.props,
    volumeDefinition: rd?.volume_definitions.find((v) => v.volume_number === volumeNumber)?.props,
    volumeGroup: rg?.volume_groups.find((v) => v.volume_number === volumeNumber)?.props,
    resourceDefinition: rd?.props,
    resourceGroup: rg?.props,
    node: graph.node(nodeName)?.props,
    controller: graph.controller.props,
  };
}

/**
 * `StorPoolName` sources for a new volume. `resourceProps` are the props of the resource being
 * created (not yet in the graph); without them the stored resource, if any, is used.
 */
export function containersForStorPoolName(
  graph: Graph,
  rdName: string,
  nodeName: string,
  volumeNumber: number,
  resourceProps?: Readonly<Record<string, string>>,
): ContainersOf<'storPoolName'> {
  const rd = graph.resourceDefinition(rdName);
  return {
    resource: resourceProps ?? graph.resource(rdName, nodeName)?.props,
    volumeDefinition: rd?.volume_definitions.find((v) => v.volume_number === volumeNumber)?.props,
    resourceDefinition: rd?.props,
    resourceGroup: groupOf(graph, rd)?.props,
    node: graph.node(nodeName)?.props,
  };
}

/**
 * `PeerSlotsNewResource` sources. The resource definition may not exist yet (spawn), so the group can
 * be named directly; the requested count is passed to resolvePeerSlots.
 */
export function containersForPeerSlots(
  graph: Graph,
  where: { rd?: string; rg?: string },
): ContainersOf<'peerSlots'> {
  const rd = where.rd ? graph.resourceDefinition(where.rd) : undefined;
  const rg = where.rg ? graph.resourceGroup(where.rg) : groupOf(graph, rd);
  return {
    resourceDefinition: rd?.props,
    resourceGroup: rg?.props,
    controller: graph.controller.props,
  };
}

/** Oversubscription sources of storage pool `poolName` on `nodeName`. */
export function containersForPool(graph: Graph, nodeName: string, poolName: string): ContainersOf<'oversubscription'> {
  return {
    storagePool: graph.storagePool(nodeName, poolName)?.props,
    storagePoolDefinition: graph.storagePoolDefinition(poolName)?.props,
    controller: graph.controller.props,
  };
}

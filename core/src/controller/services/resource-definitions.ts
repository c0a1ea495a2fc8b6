/**
 * Resource definitions: create (by name, or by external name with a derived name), modify (props,
 * group move, layer stack while nothing is deployed, DRBD options), delete (refused while snapshots
 * exist; resources and their connections go with it, as in LINSTOR).
 */
import type { ApiCallRc, OpName } from '../../model/apicallrc.js';
import { StorhubError } from '../../model/errors.js';
import { checkName } from '../../model/names.js';
import { DEFAULT_RESOURCE_GROUP, type LayerKind } from '../../model/enums.js';
import { checkLayerStack } from '../../model/layers.js';
import { resourceNameFromExternal } from '../../model/external-name.js';
import type { ResourceDefinitionCreate, ResourceDefinitionModify } from '../../model/resource-definition.js';
import type { DrbdResourceDefinitionRecord, ResourceDefinitionRecord, ResourceGroupRecord } from '../../store/records.js';
import { applyPropsModify } from '../../props/modify.js';
import { normaliseKey, validateProp } from '../../props/whitelist.js';
import { allocateMinor, checkPeerSlots, generateSecret, resolvePeerSlots } from '../allocation.js';
import { Change } from '../change.js';
import type { Controller } from '../controller.js';
import { key } from '../graph.js';
import { rc } from '../responses.js';
import { propsAnswers } from './props-answer.js';

export const rdWhat = (name: string) => `resource definition '${name}'`;
export const rdRefs = (name: string) => ({ RscDfn: name });

const TRANSPORT_TYPES = ['IP', 'RDMA', 'ROCE'];
/** LINSTOR's default stack for definitions that name none (and whose group names none). */
const DEFAULT_LAYER_STACK: LayerKind[] = ['DRBD', 'STORAGE'];

export interface RdBuildInput {
  name?: string;
  externalName?: string;
  props?: Record<string, string>;
  /** Requested layer kinds; when empty the group's layer stack, else DRBD,STORAGE. */
  layers?: string[];
  groupName?: string;
  port?: number;
  secret?: string;
  peerSlots?: number;
  transportType?: string;
}

/** A validated, not yet committed definition and the answers that precede "created". */
export interface RdPlan {
  rd: ResourceDefinitionRecord;
  answers: ApiCallRc[];
}

export class ResourceDefinitionService {
  constructor(private readonly c: Controller) {}

  get(name: string): ResourceDefinitionRecord {
    const rd = this.c.graph.resourceDefinition(name);
    if (!rd) {
      throw new StorhubError('FAIL_NOT_FOUND_RSC_DFN', `Resource definition '${name}' not found.`, { objRefs: rdRefs(name) });
    }
    return rd;
  }

  group(name: string): ResourceGroupRecord {
    const rg = this.c.graph.resourceGroup(name);
    if (!rg) {
      throw new StorhubError('FAIL_NOT_FOUND_RSC_GRP', `Resource group '${name}' not found.`, {
        correction: "Create the resource group first, or leave 'resource_group_name' out to use DfltRscGrp.",
        objRefs: { RscGrp: name },
      });
    }
    return rg;
  }

  create(body: ResourceDefinitionCreate): ApiCallRc[] {
    const spec = body.resource_definition;
    const plan = this.build({
      name: spec.name,
      externalName: spec.external_name,
      props: spec.props,
      layers: (spec.layer_data ?? []).map((l) => l.type),
      groupName: spec.resource_group_name,
      port: body.drbd_port,
      secret: body.drbd_secret,
      peerSlots: body.drbd_peer_slots,
      transportType: body.drbd_transport_type,
    });
    this.c.commit(new Change().put('rd', key.rd(plan.rd.name), plan.rd));
    return [...plan.answers, rc.created('RSC_DFN', rdWhat(plan.rd.name), rdRefs(plan.rd.name), plan.rd.uuid)];
  }

  /** Validates everything and builds the record; commits nothing (spawn adds volume definitions first). */
  build(input: RdBuildInput): RdPlan {
    const g = this.c.graph;
    const rg = this.group(input.groupName || DEFAULT_RESOURCE_GROUP);
    const external = input.externalName || undefined;
    if (external !== undefined && g.resourceDefinitions.values().some((r) => r.external_name === external)) {
      throw new StorhubError('FAIL_EXISTS_EXT_NAME', `The external name '${external}' is already registered.`, {
        correction: 'Use a different external name, or delete the resource definition that has it.',
      });
    }
    let name: string;
    if (input.name) {
      name = checkName('resource', input.name);
      const existing = g.resourceDefinition(name);
      if (existing) {
        throw new StorhubError('FAIL_EXISTS_RSC_DFN', `Resource definition '${existing.name}' already exists.`, {
          correction: 'Use a different resource name, or delete the existing resource definition first.',
          objRefs: rdRefs(name),
        });
      }
    } else if (external !== undefined) {
      name = resourceNameFromExternal(external, (n) => g.resourceDefinition(n) !== undefined);
    } else {
      throw new StorhubError('FAIL_MISSING_EXT_NAME', 'Neither a resource name nor an external name was given.', {
        correction: "Give 'name' (LINSTOR naming rules) or 'external_name' (any text) in 'resource_definition'.",
      });
    }

    const answers: ApiCallRc[] = [];
    const requested = (input.layers ?? []).filter((l) => l.trim() !== '');
    const source = requested.length > 0 ? requested : rg.select_filter.layer_stack ?? [];
    let stack = [...DEFAULT_LAYER_STACK];
    if (source.length > 0) {
      const checked = checkLayerStack(source);
      stack = checked.stack;
      if (checked.storageAdded) answers.push(storageAddedWarning('CREATE'));
    }

    const props: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.props ?? {})) props[normaliseKey(k)] = validateProp('RSC_DFN', normaliseKey(k), v);
    if (Object.keys(props).length > 0) answers.push(...propsAnswers('RSC_DFN', { override_props: props }, rdRefs(name)));

    const rd: ResourceDefinitionRecord = {
      name,
      props,
      flags: [],
      layer_stack: stack,
      resource_group_name: rg.name,
      volume_definitions: [],
      uuid: this.c.newUuid(),
    };
    if (external !== undefined) rd.external_name = external;
    if (stack.includes('DRBD')) {
      rd.drbd = {
        peer_slots: resolvePeerSlots(g, { request: input.peerSlots, rg }),
        al_stripes: 1,
        al_stripe_size_kib: 32,
        transport_type: checkTransport(input.transportType),
        secret: input.secret || generateSecret(),
      };
      if (input.port !== undefined) rd.drbd.port = checkPort(input.port);
    }
    return { rd, answers };
  }

  modify(name: string, body: ResourceDefinitionModify): ApiCallRc[] {
    const g = this.c.graph;
    const old = this.get(name);
    const props = applyPropsModify('RSC_DFN', old.props, body).props;
    const rd: ResourceDefinitionRecord = { ...old, props, drbd: old.drbd && { ...old.drbd } };
    const answers: ApiCallRc[] = [];

    const requested = (body.layer_stack ?? []).filter((l) => l.trim() !== '');
    if (requested.length > 0) {
      const checked = checkLayerStack(requested);
      if (checked.storageAdded) answers.push(storageAddedWarning('MODIFY'));
      const changed = checked.stack.join(',') !== old.layer_stack.join(',');
      const resources = g.resourcesOf(old.name);
      if (changed && resources.length > 0) {
        throw new StorhubError('FAIL_EXISTS_RSC', `Cannot change the layer stack of resource definition '${old.name}' while it has resources (on ${resources.map((r) => r.node_name).join(', ')}).`, {
          cause: 'Changing the layer stack of deployed resources is not supported.',
          correction: 'Delete the resources first (or create a new resource definition with the wanted layers and move the data).',
          objRefs: rdRefs(old.name),
        });
      }
      rd.layer_stack = checked.stack;
      this.adaptToDrbd(rd, old);
    }
    if (body.drbd_port !== undefined || body.drbd_peer_slots !== undefined) {
      if (!rd.drbd) {
        throw new StorhubError('FAIL_INVLD_REQUEST', `Resource definition '${old.name}' has no DRBD layer (layers: ${rd.layer_stack.join(',')}).`, {
          correction: "DRBD options (drbd_port, drbd_peer_slots) only apply to definitions whose layer stack includes DRBD.",
        });
      }
      if (body.drbd_port !== undefined) rd.drbd.port = checkPort(body.drbd_port);
      if (body.drbd_peer_slots !== undefined) rd.drbd.peer_slots = checkPeerSlots(body.drbd_peer_slots);
    }
    if (body.resource_group !== undefined && body.resource_group !== '') {
      rd.resource_group_name = this.group(body.resource_group).name;
    }
    this.c.commit(new Change().put('rd', key.rd(old.name), rd));
    return [...answers, ...propsAnswers('RSC_DFN', body, rdRefs(old.name)), rc.modified('RSC_DFN', rdWhat(old.name), rdRefs(old.name), old.uuid)];
  }

  /** Adds DRBD data and minors when DRBD joins the stack; releases them when it leaves. */
  private adaptToDrbd(rd: ResourceDefinitionRecord, old: ResourceDefinitionRecord): void {
    const g = this.c.graph;
    if (rd.layer_stack.includes('DRBD')) {
      if (!rd.drbd) {
        const drbd: DrbdResourceDefinitionRecord = {
          peer_slots: resolvePeerSlots(g, { rg: g.resourceGroup(old.resource_group_name) }),
          al_stripes: 1,
          al_stripe_size_kib: 32,
          transport_type: 'IP',
          secret: generateSecret(),
        };
        rd.drbd = drbd;
      }
      const reserved = new Set<number>();
      rd.volume_definitions = rd.volume_definitions.map((vd) =>
        vd.minor_number === undefined ? { ...vd, minor_number: allocateMinor(g, reserved) } : vd,
      );
    } else {
      delete rd.drbd;
      rd.volume_definitions = rd.volume_definitions.map(({ minor_number: _released, ...vd }) => vd);
    }
  }

  delete(name: string): ApiCallRc[] {
    const g = this.c.graph;
    const rd = g.resourceDefinition(name);
    if (!rd) return [rc.deleteMissing('RSC_DFN', rdWhat(name), rdRefs(name))];
    const snapshots = g.snapshotsOf(rd.name);
    if (snapshots.length > 0) {
      const names = snapshots.map((s) => s.name);
      throw new StorhubError('FAIL_EXISTS_SNAPSHOT_DFN', `Cannot delete resource definition '${rd.name}' because it has snapshots: ${names.join(', ')}.`, {
        correction: `Delete the snapshots first (snapshot delete ${rd.name} <snapshot>), then delete the resource definition.`,
        objRefs: rdRefs(rd.name),
      });
    }
    const change = new Change();
    const answers: ApiCallRc[] = [];
    for (const r of g.resourcesOf(rd.name)) {
      change.delete('rsc', key.rsc(rd.name, r.node_name));
      answers.push(rc.deleted('RSC', `resource '${rd.name}' on node '${r.node_name}'`, { RscDfn: rd.name, Node: r.node_name }, r.uuid));
    }
    const rdKey = key.rd(rd.name);
    for (const conn of g.resourceConnections.values()) {
      if (key.rd(conn.resource_name) !== rdKey) continue;
      change.delete('rsc_conn', key.rscConn(conn.resource_name, conn.node_a, conn.node_b));
      answers.push(rc.deleted('RSC_CONN', `resource connection between nodes '${conn.node_a}' and '${conn.node_b}' of resource '${rd.name}'`,
        { RscDfn: rd.name, SourceNode: conn.node_a, TargetNode: conn.node_b }, conn.uuid));
    }
    change.delete('rd', rdKey);
    this.c.commit(change);
    return [...answers, rc.deleted('RSC_DFN', rdWhat(rd.name), rdRefs(rd.name), rd.uuid)];
  }
}

function storageAddedWarning(op: OpName): ApiCallRc {
  return rc.warn('WARN_STORAGE_KIND_ADDED', op, 'RSC_DFN', 'The layer stack was extended with STORAGE kind.', {
    details: 'Layer stacks have to be based on the STORAGE kind. Layers configured to be diskless will not use the additional STORAGE layer.',
  });
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new StorhubError('FAIL_INVLD_RSC_PORT', `Invalid DRBD port ${port}.`, {
      correction: 'Give a TCP port between 1 and 65535, or leave it out to have ports allocated per node.',
    });
  }
  return port;
}

function checkTransport(value: string | undefined): string {
  if (value === undefined || value === '') return 'IP';
  const t = value.trim().toUpperCase();
  if (!TRANSPORT_TYPES.includes(t)) {
    throw new StorhubError('FAIL_INVLD_TRANSPORT_TYPE', `Invalid DRBD transport type '${value}'.`, {
      correction: `Use one of: ${TRANSPORT_TYPES.join(', ')}.`,
    });
  }
  return t;
}

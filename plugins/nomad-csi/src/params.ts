/**
 * Volume parameters as linstor-csi accepts them (integrations contract §5.1, pkg/volume/parameter.go):
 * - a key is bare or carries the `linstor.csi.linbit.com/` prefix, and is case-insensitive; an unknown
 *   key in that namespace is an error (INVALID_ARGUMENT), keys of other namespaces are ignored (Nomad
 *   and Kubernetes add their own);
 * - `DrbdOptions/<k>` and `property.linstor.csi.linbit.com/<Key>` become properties of the resource
 *   group;
 * - `nodeList` or `clientList` switch to Manual placement and drop the automatic placement options;
 * - without `resourceGroup` the group is `sc-<uuid>`, derived from the settings, so volumes with the
 *   same parameters share one group (the derivation is Storhub's own: linstor-csi hashes golinstor's
 *   JSON, so the two drivers name such groups differently).
 *
 * Differences from linstor-csi, on purpose: `layerList` and `autoPlace` left out mean "whatever the
 * resource group (or the controller) says" instead of forcing `drbd storage` and 1 onto the group, so a
 * cluster without DRBD works with a plain resource group; `encryption=true` adds LUKS to the layers.
 */
import type { VolumeSpec } from '@storhub/core/plugin';
import { uuidV5 } from './naming.js';

export const PARAM_NAMESPACE = 'linstor.csi.linbit.com';
export const PROPERTY_NAMESPACE = `property.${PARAM_NAMESPACE}`;
const RG_UUID_NAMESPACE = `resourcegroup.${PARAM_NAMESPACE}`;

export const PLACEMENT_POLICIES = ['AutoPlaceTopology', 'AutoPlace', 'Manual', 'FollowTopology', 'Balanced'] as const;
export type PlacementPolicy = (typeof PLACEMENT_POLICIES)[number];

const LAYERS = ['DRBD', 'STORAGE', 'LUKS', 'NVME', 'CACHE', 'WRITECACHE', 'OPENFLEX', 'EXOS', 'BCACHE'];

export interface VolumeParameters {
  /** Replicas; undefined when neither autoPlace nor placementCount was given. */
  placementCount?: number;
  /** The resource group volumes spawn from (given, or derived). */
  resourceGroup: string;
  /** True when the group name was derived from the settings (it is then created with them). */
  generatedGroup: boolean;
  storagePools: string[];
  disklessStoragePool?: string;
  layerList?: string[];
  placementPolicy: PlacementPolicy;
  nodeList: string[];
  clientList: string[];
  replicasOnSame: string[];
  replicasOnDifferent: string[];
  disklessOnRemaining?: boolean;
  doNotPlaceWithRegex?: string;
  encryption: boolean;
  fsOpts?: string;
  mountOpts?: string;
  /** Resource-group properties (DrbdOptions/*, property.linstor.csi.linbit.com/*). */
  properties: Record<string, string>;
  /** Accepted for compatibility but without effect here; the caller logs them. */
  ignored: string[];
}

/** Keys linstor-csi knows, lower-cased. */
const KNOWN = new Set([
  'allowremotevolumeaccess', 'autoplace', 'clientlist', 'disklessonremaining', 'disklessstoragepool', 'donotplacewithregex',
  'encryption', 'fsopts', 'layerlist', 'mountopts', 'nodelist', 'placementcount', 'placementpolicy', 'replicasondifferent',
  'replicasonsame', 'sizekib', 'storagepool', 'postmountxfsopts', 'resourcegroup', 'usepvcname', 'overprovision',
  'xreplicasondifferent',
]);

/** Go's strconv.ParseBool, which linstor-csi uses. */
function parseBool(key: string, v: string): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw new Error(`parameter ${key}: '${v}' is not a boolean (use true or false)`);
}

const words = (v: string): string[] => v.split(/\s+/).filter((w) => w !== '');

/** Parses the request's parameters (on top of `defaults`); throws an Error whose message names the bad key. */
export function parseParameters(raw: Record<string, string>, defaults: Record<string, string> = {}, topologyPrefix = 'Aux'): VolumeParameters {
  const p: VolumeParameters = {
    resourceGroup: '', generatedGroup: false, storagePools: [], placementPolicy: 'AutoPlaceTopology', nodeList: [], clientList: [],
    replicasOnSame: [], replicasOnDifferent: [], encryption: false, properties: {}, ignored: [],
  };
  const withAux = (keys: string[]) => keys.map((k) => (k.startsWith(`${topologyPrefix}/`) ? k : `${topologyPrefix}/${k}`));
  for (const [k, v] of Object.entries({ ...defaults, ...raw })) {
    const slash = k.indexOf('/');
    const ns = slash < 0 ? '' : k.slice(0, slash);
    const rest = slash < 0 ? k : k.slice(slash + 1);
    if (ns.toLowerCase() === 'drbdoptions') {
      p.properties[`DrbdOptions/${rest}`] = v;
      continue;
    }
    if (ns.toLowerCase() === PROPERTY_NAMESPACE) {
      if (rest === '') throw new Error(`parameter ${k}: the property name after '${PROPERTY_NAMESPACE}/' is missing`);
      p.properties[rest] = v;
      continue;
    }
    if (ns !== '' && ns.toLowerCase() !== PARAM_NAMESPACE) continue; // another driver's or the orchestrator's key
    const key = rest.toLowerCase();
    if (!KNOWN.has(key)) {
      throw new Error(`unknown parameter '${k}'; known: ${[...KNOWN].sort().join(', ')} (bare or with the ${PARAM_NAMESPACE}/ prefix)`);
    }
    switch (key) {
      case 'autoplace':
      case 'placementcount': {
        const s = v === '' ? '1' : v;
        if (!/^\d+$/.test(s) || Number(s) < 1 || Number(s) > 255) throw new Error(`parameter ${k}: '${v}' is not a replica count from 1 to 255`);
        p.placementCount = Number(s);
        break;
      }
      case 'resourcegroup': p.resourceGroup = v; break;
      case 'storagepool': p.storagePools = words(v); break;
      case 'disklessstoragepool': p.disklessStoragePool = v || undefined; break;
      case 'layerlist': p.layerList = parseLayers(k, v); break;
      case 'placementpolicy': {
        const policy = PLACEMENT_POLICIES.find((x) => x.toLowerCase() === v.toLowerCase());
        if (!policy) throw new Error(`parameter ${k}: unknown placement policy '${v}'; use one of ${PLACEMENT_POLICIES.join(', ')}`);
        p.placementPolicy = policy;
        break;
      }
      case 'nodelist': p.nodeList = words(v); break;
      case 'clientlist': p.clientList = words(v); break;
      case 'replicasonsame': p.replicasOnSame = withAux(words(v)); break;
      case 'replicasondifferent': p.replicasOnDifferent = withAux(words(v)); break;
      case 'disklessonremaining': p.disklessOnRemaining = parseBool(k, v); break;
      case 'donotplacewithregex': {
        try {
          new RegExp(v);
        } catch (err) {
          throw new Error(`parameter ${k}: '${v}' is not a regular expression (${(err as Error).message})`);
        }
        p.doNotPlaceWithRegex = v || undefined;
        break;
      }
      case 'encryption': p.encryption = parseBool(k, v); break;
      case 'fsopts': p.fsOpts = v || undefined; break;
      case 'mountopts': p.mountOpts = v || undefined; break;
      case 'usepvcname': parseBool(k, v); p.ignored.push(k); break;
      default: p.ignored.push(k); // sizeKiB, postMountXfsOpts, overProvision, allowRemoteVolumeAccess, xReplicasOnDifferent
    }
  }
  if (p.encryption) {
    const layers = p.layerList ?? ['DRBD', 'STORAGE'];
    if (!layers.includes('LUKS')) layers.splice(Math.max(0, layers.indexOf('STORAGE')), 0, 'LUKS');
    p.layerList = layers;
  }
  // Users who list the nodes themselves get exactly those: the automatic options no longer apply.
  if (p.nodeList.length + p.clientList.length > 0) {
    p.placementPolicy = 'Manual';
    p.placementCount = undefined;
    p.replicasOnSame = [];
    p.replicasOnDifferent = [];
    p.doNotPlaceWithRegex = undefined;
  }
  if (p.placementPolicy === 'Manual' && p.nodeList.length === 0) {
    throw new Error('placementPolicy Manual needs nodeList (the nodes that get a replica with a disk)');
  }
  if (p.resourceGroup === '') {
    p.generatedGroup = true;
    p.resourceGroup = `sc-${uuidV5(RG_UUID_NAMESPACE, stableJson({ ...groupPlacement(p), props: p.properties }))}`;
  }
  return p;
}

function parseLayers(key: string, v: string): string[] {
  const out = words(v).map((l) => {
    const up = l.toUpperCase();
    if (!LAYERS.includes(up)) throw new Error(`parameter ${key}: unknown layer '${l}'; known layers: ${LAYERS.map((x) => x.toLowerCase()).join(', ')}`);
    return up;
  });
  if (out.length === 0) throw new Error(`parameter ${key}: the layer list is empty`);
  return out;
}

/** The select-filter fields the parameters set (what a generated group is created with). */
export function groupPlacement(p: VolumeParameters): NonNullable<VolumeSpec['placement']> {
  const out: NonNullable<VolumeSpec['placement']> = {};
  if (p.placementCount !== undefined) out.place_count = p.placementCount;
  else if (p.generatedGroup || p.resourceGroup === '') out.place_count = 1; // linstor-csi's default count
  if (p.storagePools.length) out.storage_pool_list = p.storagePools;
  if (p.disklessStoragePool) out.storage_pool_diskless_list = [p.disklessStoragePool];
  if (p.replicasOnSame.length) out.replicas_on_same = p.replicasOnSame;
  if (p.replicasOnDifferent.length) out.replicas_on_different = p.replicasOnDifferent;
  if (p.doNotPlaceWithRegex) out.not_place_with_rsc_regex = p.doNotPlaceWithRegex;
  if (p.disklessOnRemaining !== undefined) out.diskless_on_remaining = p.disklessOnRemaining;
  if (p.layerList) out.layer_stack = p.layerList;
  return out;
}

/** JSON with sorted keys: equal settings give equal text, whatever order the parameters came in. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

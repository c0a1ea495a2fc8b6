/**
 * The CSI v1 proto (proto/csi.proto, the spec's own file) loaded at run time, and TypeScript shapes of
 * the messages this plugin reads and writes.
 *
 * Loader options (also used by the tests' client): field names as in the proto (snake_case), 64-bit
 * integers as decimal strings (sizes above 2^53 survive the trip), enums as their names, unset fields
 * filled with their defaults, and each oneof reported by name (`access_type: 'mount'`). On the way out
 * a number or a string is accepted for an int64.
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** proto/csi.proto of this package (this file runs from dist/src/). */
export const PROTO_PATH = fileURLToPath(new URL('../../proto/csi.proto', import.meta.url));

export const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

export interface CsiServices {
  Identity: grpc.ServiceClientConstructor;
  Controller: grpc.ServiceClientConstructor;
  Node: grpc.ServiceClientConstructor;
}

let loaded: CsiServices | undefined;

/** The three CSI services (loaded once per process). */
export function csiServices(): CsiServices {
  if (!loaded) {
    const def = protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS);
    const pkg = grpc.loadPackageDefinition(def) as unknown as { csi: { v1: CsiServices } };
    loaded = pkg.csi.v1;
  }
  return loaded;
}

/** int64 as it arrives (string) or as we send it. */
export type Int64 = string | number;

export type AccessModeName =
  | 'UNKNOWN'
  | 'SINGLE_NODE_WRITER'
  | 'SINGLE_NODE_READER_ONLY'
  | 'MULTI_NODE_READER_ONLY'
  | 'MULTI_NODE_SINGLE_WRITER'
  | 'MULTI_NODE_MULTI_WRITER'
  | 'SINGLE_NODE_SINGLE_WRITER'
  | 'SINGLE_NODE_MULTI_WRITER';

export interface MountVolume {
  fs_type?: string;
  mount_flags?: string[];
  volume_mount_group?: string;
}

export interface VolumeCapability {
  block?: Record<string, never> | null;
  mount?: MountVolume | null;
  access_type?: 'block' | 'mount';
  access_mode?: { mode?: AccessModeName } | null;
}

export interface CapacityRange {
  required_bytes?: Int64;
  limit_bytes?: Int64;
}

export interface Topology {
  segments: Record<string, string>;
}

export interface TopologyRequirement {
  requisite?: Topology[];
  preferred?: Topology[];
}

export interface VolumeContentSource {
  snapshot?: { snapshot_id?: string } | null;
  volume?: { volume_id?: string } | null;
  type?: 'snapshot' | 'volume';
}

export interface Volume {
  capacity_bytes: Int64;
  volume_id: string;
  volume_context: Record<string, string>;
  content_source?: VolumeContentSource | null;
  accessible_topology: Topology[];
}

export interface VolumeCondition {
  abnormal: boolean;
  message: string;
}

export interface Snapshot {
  size_bytes: Int64;
  snapshot_id: string;
  source_volume_id: string;
  creation_time: { seconds: Int64; nanos: number } | null;
  ready_to_use: boolean;
  group_snapshot_id?: string;
}

export interface CreateVolumeRequest {
  name: string;
  capacity_range?: CapacityRange | null;
  volume_capabilities?: VolumeCapability[];
  parameters?: Record<string, string>;
  secrets?: Record<string, string>;
  volume_content_source?: VolumeContentSource | null;
  accessibility_requirements?: TopologyRequirement | null;
}

export interface ControllerPublishVolumeRequest {
  volume_id: string;
  node_id: string;
  volume_capability?: VolumeCapability | null;
  readonly?: boolean;
  volume_context?: Record<string, string>;
}

export interface ListRequest {
  max_entries?: number;
  starting_token?: string;
}

export interface NodePublishVolumeRequest {
  volume_id: string;
  publish_context?: Record<string, string>;
  staging_target_path?: string;
  target_path: string;
  volume_capability?: VolumeCapability | null;
  readonly?: boolean;
  volume_context?: Record<string, string>;
}

export interface VolumeUsage {
  available: Int64;
  total: Int64;
  used: Int64;
  unit: 'BYTES' | 'INODES';
}

/** A service implementation: RPC name -> async handler of the decoded request. */
export type Handlers = Record<string, (req: any) => Promise<object>>;

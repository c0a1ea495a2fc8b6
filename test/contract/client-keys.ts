/**
 * The response keys python-linstor and the `linstor` CLI read, and how. A key read with `[]` raises
 * KeyError when missing; other reads crash on a wrong type (string concatenation, `in` on None).
 * Sources (read, not copied): LINBIT/linstor-api-py linstor/responses.py and linstor/linstorapi.py,
 * LINBIT/linstor-client linstor_client/commands/*.py. Each check names its source.
 */
import assert from 'node:assert/strict';
import { MASK_ERROR, MASK_INFO, MASK_WARN } from '../../core/dist/src/model/apicallrc.js';

type Kind = 'string' | 'int' | 'boolean' | 'object' | 'array';

export class Keys {
  readonly problems: string[] = [];
  constructor(readonly cmd: string) {}

  /** Requires `obj[key]` to exist with the given kind. */
  need(obj: any, key: string, kind: Kind, where: string, source: string): boolean {
    if (obj === null || typeof obj !== 'object' || !(key in obj)) {
      this.problems.push(`${where}.${key} missing (${source})`);
      return false;
    }
    return this.kind(obj[key], kind, `${where}.${key}`, source);
  }

  /** Checks the kind only when the key is present (read with .get()). */
  opt(obj: any, key: string, kind: Kind, where: string, source: string): boolean {
    return obj && typeof obj === 'object' && key in obj ? this.kind(obj[key], kind, `${where}.${key}`, source) : false;
  }

  kind(v: unknown, kind: Kind, where: string, source: string): boolean {
    const ok = kind === 'int' ? (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint'
      : kind === 'array' ? Array.isArray(v)
      : kind === 'object' ? v !== null && typeof v === 'object' && !Array.isArray(v)
      : typeof v === kind;
    if (!ok) this.problems.push(`${where} is ${JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x))}, expected ${kind} (${source})`);
    return ok;
  }

  fail(msg: string): void {
    this.problems.push(msg);
  }

  assertClean(): void {
    assert.deepEqual(this.problems, [], `${this.cmd}: the real client would break:\n  ${this.problems.join('\n  ')}`);
  }
}

const RESP = 'linstor-api-py linstor/responses.py';

/** ControllerVersion.version/build_time use []; controller_info() concatenates git_hash; connect() parses rest_api_version. */
export function checkVersion(k: Keys, v: any): void {
  k.need(v, 'version', 'string', 'version', `${RESP} ControllerVersion.version`);
  k.need(v, 'build_time', 'string', 'version', `${RESP} ControllerVersion.build_time`);
  k.need(v, 'git_hash', 'string', 'version', 'linstorapi.py Linstor.controller_info: "," + cversion.git_hash (None -> TypeError in `linstor controller version`)');
  // rest_api_version defaults to "1.0.0" when absent, which is below API_VERSION_MIN: connect() refuses it.
  if (k.need(v, 'rest_api_version', 'string', 'version', 'linstorapi.py Linstor.connect')) {
    const m = /^(\d+)\.(\d+)(?:\.(\d+))?(?:[ab]\d+)?$/.exec(v.rest_api_version);
    if (!m) k.fail(`rest_api_version '${v.rest_api_version}' is not a distutils StrictVersion (linstorapi.py Linstor.connect)`);
    else if (!v.rest_api_version.startsWith('1') || Number(m[1]) * 1e6 + Number(m[2]) * 1e3 + Number(m[3] ?? 0) < 1000004) {
      k.fail(`rest_api_version '${v.rest_api_version}' is refused: must start with 1 and be >= 1.0.4 (linstorapi.py Linstor.connect)`);
    }
  }
}

/** Mutations: `[ApiCallResponse(x) for x in data]` needs a list; ApiCallResponse.ret_code uses []. */
export function checkApiCallRcList(k: Keys, body: unknown, status: number, expectStatus: number, opts: { firstSuccess?: boolean } = {}): void {
  if (status !== expectStatus) k.fail(`HTTP ${status}, expected ${expectStatus} (contract §3)`);
  if (!k.kind(body, 'array', 'reply', 'linstorapi.py __convert_rest_response iterates the body')) return;
  (body as any[]).forEach((rc, i) => {
    if (!k.need(rc, 'ret_code', 'int', `reply[${i}]`, `${RESP} ApiCallResponse.ret_code`)) return;
    k.opt(rc, 'message', 'string', `reply[${i}]`, `${RESP} ApiCallResponse.__str__ concatenates message`);
    const u = BigInt.asUintN(64, BigInt(rc.ret_code));
    if ((u & MASK_ERROR) === MASK_ERROR) k.fail(`reply[${i}] is an error (CLI exits 10): ${rc.message}`);
    else if (opts.firstSuccess && i === 0 && ((u & MASK_WARN) !== 0n || (u & MASK_INFO) !== 0n)) {
      k.fail(`reply[0] is not a plain success, linstor.KV raises LinstorError (kv.py KV._set_linstor_kv: rs[0].is_success()): ${rc.message}`);
    }
  });
}

/** The CLI maps connection_status through a fixed dict and indexes the result (node_cmds.py show_nodes). */
const CLI_CONN_STATUS = ['OFFLINE', 'CONNECTED', 'ONLINE', 'VERSION_MISMATCH', 'FULL_SYNC_FAILED', 'MISSING_EXT_TOOLS',
  'AUTHENTICATION_ERROR', 'UNKNOWN', 'HOSTNAME_MISMATCH', 'OTHER_CONTROLLER', 'NO_STLT_CONN'];

export function checkNode(k: Keys, n: any, w: string): void {
  k.need(n, 'name', 'string', w, `${RESP} Node.name`);
  k.need(n, 'type', 'string', w, `${RESP} Node.type`);
  if (k.opt(n, 'connection_status', 'string', w, 'node_cmds.py show_nodes') && !CLI_CONN_STATUS.includes(n.connection_status)) {
    k.fail(`${w}.connection_status '${n.connection_status}' is not in the CLI's table: conn_stat_dict.get(...)[0] raises TypeError (linstor-client node_cmds.py show_nodes)`);
  }
  k.opt(n, 'flags', 'array', w, 'node_cmds.py show_nodes: FLAG_EVICTED in node.flags');
  k.opt(n, 'props', 'object', w, `${RESP} Node.props`);
  for (const [i, nif] of (n?.net_interfaces ?? []).entries()) {
    const wi = `${w}.net_interfaces[${i}]`;
    k.need(nif, 'name', 'string', wi, `${RESP} NetInterface.name`);
    k.need(nif, 'address', 'string', wi, `${RESP} NetInterface.address`);
    if (nif?.is_active && nif?.satellite_port) {
      k.need(nif, 'satellite_encryption_type', 'string', wi, 'node_cmds.py show_nodes: " (" + net_if.stlt_encryption_type + ")"');
    }
  }
}

export function checkStoragePool(k: Keys, sp: any, w: string): void {
  k.need(sp, 'storage_pool_name', 'string', w, `${RESP} StoragePool.name`);
  k.need(sp, 'node_name', 'string', w, `${RESP} StoragePool.node_name`);
  k.need(sp, 'provider_kind', 'string', w, 'storpool_cmds.py show: storage_props_to_driver_pool(provider_kind) / is_diskless()');
  k.need(sp, 'free_space_mgr_name', 'string', w, "storpool_cmds.py show: ':' not in storpool.free_space_mgr_name (None -> TypeError)");
  if (sp && 'free_capacity' in sp && sp.provider_kind !== 'DISKLESS') {
    k.need(sp, 'free_capacity', 'int', w, 'storpool_cmds.py show: SizeCalc.approximate_size_string(free_capacity)');
    k.need(sp, 'total_capacity', 'int', w, 'storpool_cmds.py show: FreeSpace exists when free_capacity does; total_capacity is printed');
  }
  k.opt(sp, 'static_traits', 'object', w, `${RESP} StoragePool.static_traits`);
  for (const [i, rc] of (sp?.reports ?? []).entries()) k.need(rc, 'ret_code', 'int', `${w}.reports[${i}]`, `${RESP} ApiCallResponse.ret_code via StoragePool.reports`);
}

export function checkResourceGroup(k: Keys, rg: any, w: string): void {
  k.need(rg, 'name', 'string', w, `${RESP} ResourceGroup.name`);
  k.opt(rg, 'description', 'string', w, 'rsc_grp_cmds.py show prints it');
  if (k.opt(rg, 'select_filter', 'object', w, `${RESP} ResourceGroup.select_filter`)) {
    for (const key of ['storage_pool_list', 'layer_stack', 'provider_list', 'replicas_on_same', 'replicas_on_different']) {
      if (k.opt(rg.select_filter, key, 'array', `${w}.select_filter`, `${RESP} SelectFilter.__str__`)) {
        rg.select_filter[key].forEach((x: unknown, i: number) => k.kind(x, 'string', `${w}.select_filter.${key}[${i}]`, 'SelectFilter.__str__ joins them'));
      }
    }
  }
}

export function checkVolumeGroup(k: Keys, vg: any, w: string): void {
  k.need(vg, 'volume_number', 'int', w, `${RESP} VolumeGroup.number`);
  if (k.opt(vg, 'flags', 'array', w, 'vlm_grp_cmds.py show: ", ".join(vlm_grp.flags)')) {
    vg.flags.forEach((f: unknown, i: number) => k.kind(f, 'string', `${w}.flags[${i}]`, 'vlm_grp_cmds.py show'));
  }
}

export function checkResourceDefinition(k: Keys, rd: any, w: string, withVds: boolean): void {
  k.need(rd, 'name', 'string', w, `${RESP} ResourceDefinition.name`);
  k.opt(rd, 'flags', 'array', w, 'rsc_dfn_cmds.py show: FLAG_DELETE in rsc_dfn.flags');
  for (const [i, l] of (rd?.layer_data ?? []).entries()) {
    const wl = `${w}.layer_data[${i}]`;
    k.need(l, 'type', 'string', wl, `${RESP} ResourceDefinition.drbd_data: layer["type"]`);
    if (l?.type === 'DRBD' && l.data) {
      k.need(l.data, 'port', 'int', `${wl}.data`, `${RESP} DrbdLayer.port (rsc_dfn_cmds.py / rsc_cmds.py show print it)`);
      k.need(l.data, 'secret', 'string', `${wl}.data`, `${RESP} DrbdLayer.secret`);
      k.need(l.data, 'peer_slots', 'int', `${wl}.data`, 'contract §4.5 (python-linstor 1.27 DrbdLayer.peer_slots)');
    }
  }
  if (!withVds) return;
  if (!k.opt(rd, 'volume_definitions', 'array', w, `${RESP} ResourceDefinition.volume_definitions`)) return;
  rd.volume_definitions.forEach((vd: any, i: number) => {
    const wv = `${w}.volume_definitions[${i}]`;
    k.need(vd, 'volume_number', 'int', wv, `${RESP} VolumeDefinition.number`);
    k.need(vd, 'size_kib', 'int', wv, `${RESP} VolumeDefinition.size`);
    for (const [j, l] of (vd?.layer_data ?? []).entries()) {
      k.need(l, 'type', 'string', `${wv}.layer_data[${j}]`, `${RESP} VolumeDefinition.drbd_data`);
      if (l?.type === 'DRBD' && l.data) k.need(l.data, 'minor_number', 'int', `${wv}.layer_data[${j}].data`, `${RESP} DrbdVolumeDefinitionData.minor (vlm_dfn_cmds.py show)`);
    }
  });
}

/** GET /v1/view/resources: ResourceResponse, Resource, Volume; `r list` and `v list` (rsc_cmds.py, vlm_cmds.py). */
export function checkResource(k: Keys, r: any, w: string): void {
  k.need(r, 'name', 'string', w, `${RESP} Resource.name / ResourceResponse.resource_states x["name"]`);
  k.need(r, 'node_name', 'string', w, `${RESP} Resource.node_name / resource_states x["node_name"]`);
  k.opt(r, 'flags', 'array', w, 'rsc_cmds.py show: FLAG_DELETE in rsc.flags');
  k.opt(r, 'state', 'object', w, `${RESP} ResourceResponse.resource_states: x.get("state", {}).get("in_use")`);
  k.opt(r, 'create_timestamp', 'int', w, `${RESP} Resource.create_datetime: create_timestamp / 1000`);
  const volumes: any[] = r?.volumes ?? [];
  if (volumes.length > 0) {
    // vlm_cmds.py show_volumes reads rsc.layer_data.drbd_resource for every volume; layer_data is None
    // without layer_object, so the attribute access raises AttributeError.
    if (k.need(r, 'layer_object', 'object', w, 'vlm_cmds.py show_volumes: rsc.layer_data.drbd_resource (None -> AttributeError)')) {
      k.need(r.layer_object, 'type', 'string', `${w}.layer_object`, `${RESP} ResourceLayerData.type`);
      if (r.layer_object.type === 'DRBD' && k.need(r.layer_object, 'drbd', 'object', `${w}.layer_object`, `${RESP} ResourceLayerData.drbd_resource: self._rest_data["drbd"]`)) {
        for (const [peer, c] of Object.entries<any>(r.layer_object.drbd.connections ?? {})) {
          k.need(c, 'connected', 'boolean', `${w}.layer_object.drbd.connections.${peer}`, `${RESP} DrbdConnection.connected`);
        }
      }
    }
  }
  volumes.forEach((v, i) => {
    const wv = `${w}.volumes[${i}]`;
    k.need(v, 'volume_number', 'int', wv, `${RESP} Volume.number / resource_states y["volume_number"]`);
    k.need(v, 'provider_kind', 'string', wv, `${RESP} Volume.storage_pool_driver_name`);
    k.opt(v, 'state', 'object', wv, 'vlm_cmds.py volume_disk_state: .get("state", {}).get("disk_state")');
    for (const [j, l] of (v?.layer_data_list ?? []).entries()) {
      const wl = `${wv}.layer_data_list[${j}]`;
      k.need(l, 'type', 'string', wl, `${RESP} Volume.drbd_data: layer["type"]`);
      if (l?.type === 'DRBD' && l.data) {
        if (k.need(l.data, 'drbd_volume_definition', 'object', `${wl}.data`, `${RESP} DrbdVolumeData.drbd_volume_definition`)) {
          k.need(l.data.drbd_volume_definition, 'minor_number', 'int', `${wl}.data.drbd_volume_definition`, `${RESP} DrbdVolumeDefinition.minor (vlm_cmds.py show_volumes)`);
          k.need(l.data.drbd_volume_definition, 'volume_number', 'int', `${wl}.data.drbd_volume_definition`, `${RESP} DrbdVolumeDefinition.number`);
        }
        // DrbdVolumeData.device_path/allocated_size/usable_size also use [], but only machine-readable
        // v0 output and python API users (Volume.usable_size) read them, not these CLI commands.
      }
    }
    for (const [j, rc] of (v?.reports ?? []).entries()) k.need(rc, 'ret_code', 'int', `${wv}.reports[${j}]`, 'vlm_cmds.py show_volumes: x.is_error()');
  });
}

/**
 * The LINSTOR OpenAPI document as a validator: loads the spec, compiles response schemas with ajv 8 and
 * reports every violation with its JSON pointer and offending value.
 *
 * OpenAPI 3.0 specifics handled here:
 * - `$ref`s point into the whole document, which ajv holds under the id `openapi`; response objects
 *   that are themselves `$ref`s (`#/components/responses/...`) are followed by hand.
 * - `nullable` is understood by ajv natively; `readOnly`, `example`, `x-*` are ignored (strict: false).
 * - `format: int64` values may exceed JS numbers (ret_code, DISKLESS capacities of 2^63-1). Bodies are
 *   parsed with the bigint-aware parseJson; `toValidatable` checks the int64 range of each bigint and
 *   converts it to Number for validation only.
 * - The spec has no discriminators; its `oneOf`s have a single branch or describe SSE streams.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { parse as parseYaml } from 'yaml';

/**
 * Where LINSTOR's spec is read from: $STORHUB_LINSTOR_SPEC, else <repo>/../shared/reference (our
 * machines), else /work/shared/reference. The test fails clearly when none exists.
 */
const SPEC_CANDIDATES = [
  process.env.STORHUB_LINSTOR_SPEC,
  fileURLToPath(new URL('../../../shared/reference/linstor-rest-v1-openapi.yaml', import.meta.url)),
  '/work/shared/reference/linstor-rest-v1-openapi.yaml',
].filter((p): p is string => !!p);
export const SPEC_PATH = SPEC_CANDIDATES.find((p) => existsSync(p)) ?? SPEC_CANDIDATES[0];

export interface Violation {
  /** `METHOD url -> status` of the reply. */
  where: string;
  pointer: string;
  message: string;
  value?: unknown;
}

export const METHODS = ['get', 'post', 'put', 'delete', 'patch', 'options'] as const;

/**
 * Spec errata: places where the document disagrees with what the reference server sends (contract
 * §2.1, §2.2, §1.5). Each is applied to the loaded document and printed by the test.
 */
export const ERRATA: Array<{ what: string; apply: (doc: any) => void }> = [
  {
    what: 'Node.type enum: the server returns upper-case names and also REMOTE_SPDK, EBS_TARGET (contract §2.1)',
    apply: (doc) => { doc.components.schemas.Node.properties.type.enum = ['CONTROLLER', 'SATELLITE', 'COMBINED', 'AUXILIARY', 'REMOTE_SPDK', 'EBS_TARGET']; },
  },
  {
    what: 'Node.connection_status enum lacks MISSING_EXT_TOOLS, DUPLICATE_UNAME (consts.json ConnectionStatus, contract §2.1)',
    apply: (doc) => { doc.components.schemas.Node.properties.connection_status.enum.push('MISSING_EXT_TOOLS', 'DUPLICATE_UNAME'); },
  },
  {
    what: 'ProviderKind enum lacks REMOTE_SPDK, STORAGE_SPACES, STORAGE_SPACES_THIN (DeviceProviderKind.java, contract §2.2)',
    apply: (doc) => { doc.components.schemas.ProviderKind.enum.push('REMOTE_SPDK', 'STORAGE_SPACES', 'STORAGE_SPACES_THIN'); },
  },
  {
    what: 'VolumeLayer.data: a oneOf of schemas without required keys matches any object several times; the branch is chosen by `type` instead (as the server fills it)',
    apply: (doc) => {
      const byType: Record<string, string> = {
        DRBD: 'DrbdVolume', LUKS: 'LUKSVolume', STORAGE: 'StorageVolume', NVME: 'NVMEVolume',
        WRITECACHE: 'WritecacheVolume', CACHE: 'CacheVolume', BCACHE: 'BCacheVolume',
      };
      const vl = doc.components.schemas.VolumeLayer;
      vl.properties.data = { type: 'object' };
      vl.allOf = Object.entries(byType).map(([type, schema]) => ({
        if: { properties: { type: { const: type } }, required: ['type'] },
        then: { properties: { data: { $ref: `#/components/schemas/${schema}` } } },
      }));
    },
  },
  {
    what: 'GET .../resource-connections/{node_a}/{node_b} returns one ResourceConnection, not an array (linstor-server ResourceConnections.java::listResourceConnections: resList.get(0))',
    apply: (doc) => {
      doc.paths['/v1/resource-definitions/{resource}/resource-connections/{node_a}/{node_b}'].get.responses['200']
        .content['application/json'].schema = { $ref: '#/components/schemas/ResourceConnection' };
    },
  },
  {
    what: 'GET .../drbd-proxy/properties/info maps section -> property -> PropsInfo, as its own description and example say (the schema drops one level)',
    apply: (doc) => {
      doc.paths['/v1/resource-definitions/{resource}/drbd-proxy/properties/info'].get.responses['200'].content['application/json'].schema = {
        type: 'object', additionalProperties: { type: 'object', additionalProperties: { $ref: '#/components/schemas/PropsInfo' } },
      };
    },
  },
  {
    what: 'GET /v1/encryption/passphrase returns one PassphraseStatus object, not an array (linstor-server rest/v1/Encryption.java::passphraseStatus writes a single JsonGenTypes.PassphraseStatus)',
    apply: (doc) => {
      doc.paths['/v1/encryption/passphrase'].get.responses['200'].content['application/json'].schema = {
        $ref: '#/components/schemas/PassphraseStatus',
      };
    },
  },
];

/** Statuses the reference server answers that the spec documents differently (contract §1.5). */
export const STATUS_ERRATA: Record<string, number[]> = {
  'POST /v1/resource-definitions/{resource}/volume-definitions': [200],
  // rest/v1/Encryption.java::createPassphrase maps the reply with Response.Status.CREATED.
  'POST /v1/encryption/passphrase': [201],
};

const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;

export class OpenApiSpec {
  readonly doc: any;
  private readonly ajv: Ajv;
  /** Same document, but every plain object schema closed with additionalProperties: false. */
  private readonly strictAjv: Ajv;
  private readonly cache = new Map<string, ValidateFunction>();

  constructor(path = SPEC_PATH) {
    if (!existsSync(path)) {
      throw new Error(`LINSTOR OpenAPI spec not found at ${path}: looked in ${SPEC_CANDIDATES.join(', ')}; set STORHUB_LINSTOR_SPEC to its path.`);
    }
    this.doc = parseYaml(readFileSync(path, 'utf8'));
    for (const e of ERRATA) e.apply(this.doc);
    this.ajv = newAjv();
    this.ajv.addSchema(this.doc, 'openapi');
    this.strictAjv = newAjv();
    this.strictAjv.addSchema(closeObjects(structuredClone(this.doc)), 'openapi');
  }

  /** Every `METHOD /path` pair the spec defines (SSE streams excluded: they are not JSON). */
  operations(): Array<{ method: string; path: string }> {
    const ops: Array<{ method: string; path: string }> = [];
    for (const [path, item] of Object.entries<any>(this.doc.paths)) {
      for (const m of METHODS) if (item[m] && !path.startsWith('/v1/events/')) ops.push({ method: m.toUpperCase(), path });
    }
    return ops;
  }

  /** Documented statuses of an operation, or undefined when the spec lacks it. */
  statuses(method: string, path: string): string[] | undefined {
    const op = this.doc.paths[path]?.[method.toLowerCase()];
    return op ? Object.keys(op.responses ?? {}) : undefined;
  }

  /** JSON pointer (into the document) of the JSON schema of one response, following response $refs. */
  responseSchemaPointer(method: string, path: string, status: number): string | undefined {
    const responses = this.doc.paths[path]?.[method.toLowerCase()]?.responses;
    if (!responses) return undefined;
    const key = String(status) in responses ? String(status) : 'default' in responses ? 'default' : undefined;
    if (!key) return undefined;
    let pointer = `/paths/${esc(path)}/${method.toLowerCase()}/responses/${key}`;
    let response = responses[key];
    while (response?.$ref) {
      pointer = String(response.$ref).slice(1);
      response = resolvePointer(this.doc, pointer);
    }
    return response?.content?.['application/json']?.schema ? `${pointer}/content/application~1json/schema` : undefined;
  }

  /** Pointer of the item schema of a list GET (for single-object GETs the spec lacks). */
  itemSchemaPointer(listPath: string): string | undefined {
    const p = this.responseSchemaPointer('GET', listPath, 200);
    if (!p) return undefined;
    let schema = resolvePointer(this.doc, p);
    let pointer = p;
    while (schema?.$ref) { pointer = String(schema.$ref).slice(1); schema = resolvePointer(this.doc, pointer); }
    return schema?.type === 'array' && schema.items ? `${pointer}/items` : undefined;
  }

  /** Validates a (bigint-parsed) body against the schema at `pointer`. */
  validate(pointer: string, body: unknown, where: string, strict = false): Violation[] {
    const violations: Violation[] = [];
    const data = toValidatable(body, '', where, violations);
    const key = `${strict}:${pointer}`;
    let fn = this.cache.get(key);
    if (!fn) {
      fn = (strict ? this.strictAjv : this.ajv).compile({ $ref: `openapi#${pointer.split('/').map(encodeURIComponent).join('/')}` });
      this.cache.set(key, fn);
    }
    if (!fn(data)) {
      for (const e of fn.errors ?? []) violations.push(toViolation(e, data, where));
    }
    return violations;
  }
}

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, discriminator: true });
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
  for (const f of ['double', 'float']) ajv.addFormat(f, { type: 'number', validate: () => true });
  for (const f of ['binary', 'password']) ajv.addFormat(f, true);
  // ISO-8601 with offset, as Java's ISO_OFFSET_DATE_TIME writes it.
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/);
  return ajv;
}

/**
 * Closes every object schema that lists `properties` (and says nothing about additionalProperties), so
 * ajv reports keys the spec does not define. Schemas used inside allOf are left open: closing them
 * would reject the other branches' keys.
 */
function closeObjects(doc: any): any {
  const open = new Set<string>();
  const collect = (v: any): void => {
    if (Array.isArray(v)) return v.forEach(collect);
    if (!v || typeof v !== 'object') return;
    if (Array.isArray(v.allOf)) for (const s of v.allOf) if (s.$ref) open.add(String(s.$ref).slice(1));
    Object.values(v).forEach(collect);
  };
  collect(doc);
  const close = (v: any, pointer: string): void => {
    if (Array.isArray(v)) return v.forEach((x, i) => close(x, `${pointer}/${i}`));
    if (!v || typeof v !== 'object') return;
    if (v.properties && typeof v.properties === 'object' && !('additionalProperties' in v) && !open.has(pointer) && !v.allOf) {
      v.additionalProperties = false;
    }
    for (const [k, x] of Object.entries(v)) if (k !== 'allOf') close(x, `${pointer}/${esc(k)}`);
  };
  close(doc, '');
  return doc;
}

/** Deep copy where bigints become Numbers after an int64 range check (the wire type of every integer). */
function toValidatable(v: unknown, pointer: string, where: string, out: Violation[]): unknown {
  if (typeof v === 'bigint') {
    if (v < I64_MIN || v > I64_MAX) out.push({ where, pointer: pointer || '/', message: 'integer outside the signed int64 range', value: v });
    return Number(v);
  }
  if (Array.isArray(v)) return v.map((x, i) => toValidatable(x, `${pointer}/${i}`, where, out));
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toValidatable(x, `${pointer}/${esc(k)}`, where, out)]));
  }
  return v;
}

function toViolation(e: ErrorObject, data: unknown, where: string): Violation {
  const extra = e.keyword === 'additionalProperties' ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'` : '';
  const allowed = e.keyword === 'enum' ? ` ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}` : '';
  return {
    where,
    pointer: e.instancePath || '/',
    message: `${e.message ?? e.keyword}${extra}${allowed}`,
    value: resolvePointer(data, e.instancePath),
  };
}

export function esc(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function resolvePointer(root: unknown, pointer: string): any {
  if (!pointer) return root;
  let cur: any = root;
  for (const raw of pointer.split('/').slice(1)) {
    const seg = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    cur = cur?.[seg];
  }
  return cur;
}

/** One line per violation, values shortened: what the failing test prints. */
export function formatViolations(vs: Violation[]): string {
  return vs.map((v) => {
    let shown = v.value === undefined ? '' : JSON.stringify(v.value, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
    if (shown.length > 160) shown = `${shown.slice(0, 157)}...`;
    return `  ${v.where}  ${v.pointer}: ${v.message}${shown ? `  (value: ${shown})` : ''}`;
  }).join('\n');
}

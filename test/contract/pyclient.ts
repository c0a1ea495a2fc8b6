/**
 * Replays requests exactly as python-linstor sends them (facts from LINBIT/linstor-api-py
 * linstor/linstorapi.py, written here in our own code):
 * - bodies are `json.dumps(body)`: separators ", " and ": ", non-ASCII escaped (`_rest_request_base`);
 * - no Content-Type; headers User-Agent "PythonLinstor/<v> (API1.0.4)", Connection keep-alive,
 *   Accept-Encoding gzip (`Linstor.__init__` self._http_headers);
 * - path arguments quoted with `quote(str(arg), safe="")`, query strings with
 *   `urlencode(query_params, doseq=True)` (module function `_pquote`);
 * - every CLI invocation connects first: `has_linstor_https` sends a bare GET /v1/controller/version on
 *   a throw-away connection (a 302 would switch to HTTPS), then `connect()` GETs it again through
 *   `controller_version()` and refuses a rest_api_version that does not start with "1" or is below
 *   API_VERSION_MIN "1.0.4" (compared with distutils StrictVersion).
 */
import assert from 'node:assert/strict';
import type { Reply, TestApi } from '../../core/dist/test/helpers.js';
import { checkVersion, Keys } from './client-keys.js';

/** Python's json.dumps with default arguments. */
export function pyDumps(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string') {
    return JSON.stringify(v).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  }
  if (Array.isArray(v)) return `[${v.map(pyDumps).join(', ')}]`;
  return `{${Object.entries(v as object).map(([k, x]) => `${pyDumps(k)}: ${pyDumps(x)}`).join(', ')}}`;
}

/** urllib.parse.quote(s, safe=""): only letters, digits and `_.-~` stay unescaped. */
export function pyQuote(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** urllib.parse.urlencode(params, doseq=True): quote_plus on keys and every list member. */
export function pyUrlencode(params: Array<[string, string | string[]]>): string {
  const plus = (s: string) => pyQuote(s).replace(/%20/g, '+');
  return params.flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${plus(k)}=${plus(x)}`)).join('&');
}

/** `_pquote(pathfmt, *args, query_params=...)`. */
export function pq(fmt: string, args: string[] = [], query: Array<[string, string | string[]]> = []): string {
  let i = 0;
  const path = fmt.replace(/\{\}/g, () => pyQuote(args[i++]));
  return query.length ? `${path}?${pyUrlencode(query)}` : path;
}

const HEADERS = { 'user-agent': 'PythonLinstor/1.27.1 (API1.0.4)', connection: 'keep-alive', 'accept-encoding': 'gzip' };

/** One `linstor ...` invocation against the in-process API. */
export class PyLinstor {
  readonly sent: string[] = [];
  constructor(private readonly api: TestApi) {}

  async connect(): Promise<void> {
    // has_linstor_https: bare http.client request, only its default headers.
    const probe = await this.api.call('GET', '/v1/controller/version', undefined, { 'accept-encoding': 'identity' });
    this.sent.push('GET /v1/controller/version (https probe)');
    assert.notEqual(probe.status, 302, 'a 302 makes python-linstor switch to HTTPS');
    const res = await this.request('GET', '/v1/controller/version');
    assert.equal(res.status, 200, `controller version: ${res.raw}`);
    const k = new Keys('controller version');
    checkVersion(k, res.body);
    k.assertClean();
  }

  async request(method: string, path: string, body?: unknown): Promise<Reply> {
    const text = body === undefined ? undefined : pyDumps(body);
    this.sent.push(`${method} ${path}${text ? ` ${text}` : ''}`);
    return this.api.call(method, path, text, { ...HEADERS });
  }
}

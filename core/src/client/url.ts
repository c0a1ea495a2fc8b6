/**
 * Controller addresses as LINSTOR clients accept them: "host", "host:port", "[v6]:port",
 * "linstor://host", "linstor+ssl://host", "http://host:port", "https://host". A comma-separated
 * string is a list (like `--controllers a,b` and LS_CONTROLLERS). Plain HTTP defaults to port 3370,
 * HTTPS to 3371, as the reference controller listens.
 */

export const DEFAULT_HTTP_PORT = 3370;
export const DEFAULT_HTTPS_PORT = 3371;

/** The origin a request goes to, e.g. "http://127.0.0.1:3370". */
export type ControllerOrigin = string;

export function parseControllerUrl(input: string): ControllerOrigin {
  const text = input.trim();
  if (text === '') throw new TypeError('An empty controller address was given.');
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/.exec(text);
  const scheme = m ? m[1].toLowerCase() : 'linstor';
  let rest = m ? m[2] : text;
  let tls: boolean;
  switch (scheme) {
    case 'linstor':
    case 'http':
      tls = false;
      break;
    case 'linstor+ssl':
    case 'https':
      tls = true;
      break;
    default:
      throw new TypeError(`Controller address '${input}' has the unknown scheme '${scheme}://' (use http, https, linstor or linstor+ssl).`);
  }
  rest = rest.replace(/\/+$/, '');
  if (rest.includes('/')) throw new TypeError(`Controller address '${input}' must not contain a path.`);
  // A bare IPv6 address ("::1") has several colons and no brackets: it has no port.
  if (!rest.startsWith('[') && (rest.match(/:/g) ?? []).length > 1) rest = `[${rest}]`;
  // The port is read here, not by URL, which drops a port equal to the scheme's default (80/443).
  const hp = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(rest);
  const port = hp?.[2] !== undefined ? Number(hp[2]) : tls ? DEFAULT_HTTPS_PORT : DEFAULT_HTTP_PORT;
  let url: URL;
  try {
    if (!hp || port < 1 || port > 65535) throw new TypeError();
    url = new URL(`${tls ? 'https' : 'http'}://${hp[1]}`);
  } catch {
    throw new TypeError(`Controller address '${input}' is not a valid host or host:port.`);
  }
  if (url.hostname === '') throw new TypeError(`Controller address '${input}' names no host.`);
  return `${url.protocol}//${url.hostname}:${port}`;
}

/** Splits "a,b c" and arrays of such strings into parsed origins, keeping order and dropping repeats. */
export function parseControllerList(input: string | readonly string[]): ControllerOrigin[] {
  const parts = (typeof input === 'string' ? [input] : input)
    .flatMap((s) => s.split(/[,\s]+/))
    .filter((s) => s.trim() !== '');
  const out: ControllerOrigin[] = [];
  for (const p of parts) {
    const origin = parseControllerUrl(p);
    if (!out.includes(origin)) out.push(origin);
  }
  return out;
}

/**
 * JSON that keeps 64-bit integers exact.
 *
 * LINSTOR puts signed 64-bit values on the wire (ret_code, DISKLESS capacities of 2^63-1). JSON.parse
 * rounds them and JSON.stringify refuses bigint, so both directions go through here.
 */

const MARK = '\uE000i64:';
const MARK_RE = /"\uE000i64:(-?\d+)"/g;

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? MARK + value.toString() : value;
}

/** JSON.stringify that writes bigint values as bare integers. */
export function stringifyJson(value: unknown, space?: number): string {
  try {
    // Fast path: most replies hold no bigint, and a replacer makes V8 leave its fast serializer.
    return JSON.stringify(value, null, space);
  } catch (err) {
    if (!(err instanceof TypeError) || !/BigInt/i.test(err.message)) throw err;
  }
  return JSON.stringify(value, bigintReplacer, space).replace(MARK_RE, '$1');
}

/**
 * JSON.parse that turns integers outside the safe range into bigint, so a ret_code such as
 * -4611686018427387604 survives. Other values parse exactly as JSON.parse would.
 */
export function parseJson(text: string): unknown {
  // Only integers with 16+ digits can be unsafe; skip the rewrite when none appear (the usual case).
  if (!/\d{16}/.test(text)) return JSON.parse(text);
  const quoted = quoteBigIntegers(text);
  return JSON.parse(quoted, (_key, value) =>
    typeof value === 'string' && value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value,
  );
}

/** Wraps unsafe integer literals (outside strings) into marked strings. */
function quoteBigIntegers(text: string): string {
  let out = '';
  let i = 0;
  const n = text.length;
  while (i < n) {
    const ch = text[i];
    if (ch === '"') {
      // copy a whole string literal, honouring escapes
      let j = i + 1;
      while (j < n && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (ch === '-' || (ch >= '0' && ch <= '9')) {
      let j = i + 1;
      while (j < n && /[0-9eE.+-]/.test(text[j])) j++;
      const literal = text.slice(i, j);
      if (/^-?\d+$/.test(literal) && !Number.isSafeInteger(Number(literal))) {
        out += JSON.stringify(MARK + literal);
      } else {
        out += literal;
      }
      i = j;
      continue;
    }
    out += ch;
    i++;
  }
  return out;
}

/**
 * External files (LINSTOR's `/v1/files`): wire shapes, the rules for their paths and contents, and
 * how an attachment to a resource definition is written down.
 *
 * A file's name IS its absolute path on the nodes. LINSTOR keeps attachments as resource-definition
 * props `files/<path>` = `True` (the path's leading slash merges into the separator), and the gateway
 * reads that prop to tell a started service from a stopped one, so Storhub keeps them the same way.
 */
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { z } from 'zod';
import { StorhubError } from './errors.js';
import { optString, optStringList } from './lenient.js';

/** LINSTOR's ExternalFileName.MAX_LENGTH. */
export const MAX_PATH_LENGTH = 1024;
/** Files are configuration snippets; anything bigger does not belong in the controller's database. */
export const MAX_CONTENT_BYTES = 1024 * 1024;

export const FILES_NAMESPACE = 'files';

// --- wire shapes ---

export const ExternalFile = z.object({
  path: z.string(),
  /** base64; only with `?content=true` on lists, always on single GETs. */
  content: z.string().optional(),
  alt_suffixes: z.array(z.string()).optional(),
});
export type ExternalFile = z.infer<typeof ExternalFile>;

/** PUT body: `path` (ignored: the URL names the file), `content` (base64), `alt_suffixes`. */
export const ExternalFileSet = z.object({
  path: optString(),
  content: optString(),
  alt_suffixes: optStringList(),
});
export type ExternalFileSet = z.infer<typeof ExternalFileSet>;

export const ExtFileCheckResult = z.object({ allowed: z.boolean() });
export type ExtFileCheckResult = z.infer<typeof ExtFileCheckResult>;

// --- rules ---

/**
 * Returns `raw` when it is a valid external file path: absolute, printable ASCII (as LINSTOR), at most
 * 1024 characters, and already normalised (no `.` or `..` segments, no `//`, no trailing slash). A path
 * that is not normalised is refused rather than rewritten: the path is the file's name, and two
 * spellings of one file would be two files that overwrite each other on disk.
 */
export function checkExtFilePath(raw: string): string {
  const fail = (why: string, correction: string) =>
    new StorhubError('FAIL_INVLD_EXT_FILE_NAME', `Invalid external file name '${raw}': ${why}`, {
      correction, objRefs: { ExtFile: raw },
    });
  if (raw.length === 0) throw fail('the path is empty.', 'Give the absolute path the file should have on the nodes, URL-encoded (e.g. %2Fetc%2Fsome.conf).');
  if (raw.length > MAX_PATH_LENGTH) throw fail(`it is ${raw.length} characters long, the limit is ${MAX_PATH_LENGTH}.`, 'Use a shorter path.');
  if (!raw.startsWith('/')) throw fail('the path must be absolute.', `Give the full path, e.g. '/${raw}'.`);
  if (!/^[\x20-\x7e]+$/.test(raw)) throw fail('the path must contain only printable ASCII characters.', 'Rename the file.');
  if (raw === '/') throw fail('the root directory is not a file.', 'Give the path of a file, e.g. /etc/some.conf.');
  const normal = posix.normalize(raw).replace(/\/+$/, '');
  if (normal !== raw || raw.split('/').some((s) => s === '.' || s === '..')) {
    throw fail('the path is not normalised (it has ., .. or empty segments, or a trailing slash).',
      normal === '' || normal === '/' ? 'Give the path of a file, e.g. /etc/some.conf.' : `Use '${normal}'.`);
  }
  return raw;
}

/** The decoded content of a base64 text; refused when it is not base64, empty or too large. */
export function decodeContent(base64: string, path: string): Buffer {
  const text = base64.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new StorhubError('FAIL_INVLD_EXT_FILE', `The content of external file '${path}' is not valid base64.`, {
      correction: "Send the file's bytes base64-encoded (standard alphabet, with padding) in 'content'.",
      objRefs: { ExtFile: path },
    });
  }
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length === 0) {
    throw new StorhubError('FAIL_INVLD_EXT_FILE', `The content of external file '${path}' must not be empty.`, {
      correction: "Send the file's content base64-encoded in 'content'; to remove the file, delete it instead.",
      objRefs: { ExtFile: path },
    });
  }
  if (bytes.length > MAX_CONTENT_BYTES) {
    throw new StorhubError('FAIL_INVLD_EXT_FILE', `External file '${path}' is ${bytes.length} bytes; the limit is ${MAX_CONTENT_BYTES} bytes (1 MiB).`, {
      cause: 'External files are meant for configuration snippets and live in the controller database.',
      correction: 'Ship larger files by other means (configuration management, a volume).',
      objRefs: { ExtFile: path },
    });
  }
  return bytes;
}

/** Alternative suffixes are appended to the file name, so they must stay in its directory. */
export function checkAltSuffixes(suffixes: readonly string[], path: string): string[] {
  for (const s of suffixes) {
    if (s.length === 0 || s.includes('/') || s.includes('..') || !/^[\x20-\x7e]+$/.test(s)) {
      throw new StorhubError('FAIL_INVLD_EXT_FILE', `Invalid alternative suffix '${s}' of external file '${path}'.`, {
        cause: 'A suffix is appended to the file name and must not be empty, contain / or .., or non-ASCII characters.',
        correction: "Use suffixes like '.disabled'.",
        objRefs: { ExtFile: path },
      });
    }
  }
  return [...new Set(suffixes)];
}

export function contentChecksum(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

// --- attachments (resource-definition props) ---

/** `files/etc/some.conf` for `/etc/some.conf`. */
export function attachmentKey(path: string): string {
  return FILES_NAMESPACE + path;
}

/** The paths a props map attaches (`files/<path>` = True, any case), sorted. */
export function attachedPaths(props: Readonly<Record<string, string>>): string[] {
  const prefix = FILES_NAMESPACE + '/';
  const out: string[] = [];
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith(prefix) && v.toLowerCase() === 'true') out.push(k.slice(FILES_NAMESPACE.length));
  }
  return out.sort();
}

/**
 * Whether a satellite allowing `allowed` writes `path`: it must lie below one of the directories (at
 * any depth). This is the rule of satellite/ext-files.ts; LINSTOR's satellite accepts only files whose
 * direct parent is listed, which this rule includes.
 */
export function isPathAllowed(path: string, allowed: readonly string[]): boolean {
  return allowed.some((dir) => {
    const a = dir.length > 1 ? dir.replace(/\/+$/, '') : dir;
    return a === '/' || path.startsWith(`${a}/`);
  });
}

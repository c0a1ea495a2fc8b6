/** Reading files that may legitimately be absent (kernel interfaces, config files the satellite owns). */
import { readFile } from 'node:fs/promises';

/** The file's text, or undefined when it (or a directory on its path) does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw err;
  }
}

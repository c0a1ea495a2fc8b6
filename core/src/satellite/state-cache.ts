/**
 * The satellite's one cache file: the resources it was last asked to hold. It is not state the
 * cluster depends on (the controller resends everything on connect); it lets a restarted satellite
 * tear down every layer of a resource that was deleted while it was down, not only its volumes.
 * Secrets (LUKS keys, DRBD shared secrets) are left out: tearing down needs none of them.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { DesiredResource } from './protocol.js';

const FILE = 'resources.json';
const CacheFile = z.object({ resources: z.array(DesiredResource) });

export class StateCache {
  private readonly path: string;

  constructor(private readonly stateDir: string) {
    this.path = join(stateDir, FILE);
  }

  /** The cached resources; empty when there is no cache (first start) or it is unreadable (logged by the caller). */
  async load(): Promise<DesiredResource[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return CacheFile.parse(JSON.parse(text)).resources;
  }

  async save(resources: Iterable<DesiredResource>): Promise<void> {
    const list = [...resources].map(withoutSecrets).sort((a, b) => a.name.localeCompare(b.name));
    await mkdir(this.stateDir, { recursive: true });
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, JSON.stringify({ resources: list }) + '\n', { mode: 0o600 });
    await rename(tmp, this.path);
  }
}

function withoutSecrets(r: DesiredResource): DesiredResource {
  return {
    ...r,
    volumes: r.volumes.map(({ luks_key: _key, ...v }) => v),
    drbd: r.drbd ? { ...r.drbd, secret: '' } : undefined,
  };
}

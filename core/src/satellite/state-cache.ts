/**
 * The satellite's one cache file: the resources it was last asked to hold. It is not state the
 * cluster depends on (the controller resends everything on connect); it lets a restarted satellite
 * tear down every layer of a resource that was deleted while it was down, not only its volumes.
 * Secrets (LUKS keys, DRBD shared secrets) are left out: tearing down needs none of them.
 */
import { mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
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

const ROLLBACKS_FILE = 'rollbacks.json';
const RollbacksFile = z.object({ applied: z.record(z.string(), z.number().int()) });

/**
 * The highest rollback request_id applied per resource (upper-case key). Unlike the resource cache,
 * this one matters: a rollback applied twice would throw away what was written after the first one,
 * so the entry is written to disk right after the rollback and before it is reported.
 */
export class RollbackLedger {
  private readonly path: string;
  private applied: Map<string, number> | undefined;

  constructor(private readonly stateDir: string) {
    this.path = join(stateDir, ROLLBACKS_FILE);
  }

  async get(resource: string): Promise<number | undefined> {
    return (await this.load()).get(resource.toUpperCase());
  }

  async set(resource: string, requestId: number): Promise<void> {
    const m = await this.load();
    m.set(resource.toUpperCase(), requestId);
    await this.save(m);
  }

  /** A removed resource starts over: a new one of the same name counts its requests from scratch. */
  async forget(resource: string): Promise<void> {
    const m = await this.load();
    if (m.delete(resource.toUpperCase())) await this.save(m);
  }

  private async load(): Promise<Map<string, number>> {
    if (this.applied) return this.applied;
    let text: string | undefined;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    // Unreadable content is an error, not an empty ledger: forgetting would re-apply old rollbacks.
    this.applied = new Map(text === undefined ? [] : Object.entries(RollbacksFile.parse(JSON.parse(text)).applied));
    return this.applied;
  }

  private async save(m: Map<string, number>): Promise<void> {
    await mkdir(this.stateDir, { recursive: true });
    const tmp = `${this.path}.tmp`;
    const body = JSON.stringify({ applied: Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b))) }) + '\n';
    const h = await open(tmp, 'w', 0o600);
    try {
      await h.writeFile(body);
      await h.sync();
    } finally {
      await h.close();
    }
    await rename(tmp, this.path);
  }
}

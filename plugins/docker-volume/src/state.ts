/**
 * What this node has mounted, kept in <stateDir>/mounts.json. Docker does not activate a plugin again
 * after the plugin restarted (it goes straight to List/Mount/Unmount), and containers keep running
 * across a storhubd restart, so the reference counts must survive the process.
 *
 * Every change is written to a temp file and renamed over the old one: a crash leaves either the old
 * or the new state, never half of one.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface MountRecord {
  /** The device that is mounted (as the satellite reported it). */
  device: string;
  /** The file system type it was mounted with. */
  fs: string;
  /** Where the device is mounted (<mount_root>/<volume>). */
  dir: string;
  /** Docker's Mount IDs that have not been unmounted yet. */
  callers: string[];
  /** This plugin added the node's (diskless) replica: Unmount releases it. */
  attached: boolean;
  /** ms since the epoch. */
  mounted_at: number;
}

interface StateFile {
  version: 1;
  volumes: Record<string, MountRecord>;
}

export class MountState {
  private volumes = new Map<string, MountRecord>();
  private readonly file: string;
  /** Writes happen one after the other, in call order. */
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly dir: string) {
    this.file = join(dir, 'mounts.json');
  }

  /** Reads the file; a missing file is an empty state, an unreadable one an error (never silently lost). */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    let parsed: StateFile;
    try {
      parsed = JSON.parse(text) as StateFile;
    } catch (err) {
      throw new Error(`The mount state ${this.file} is not valid JSON (${(err as Error).message}); fix or remove it ` +
        '(then unmount what it listed by hand)', { cause: err });
    }
    if (parsed?.version !== 1 || typeof parsed.volumes !== 'object') throw new Error(`The mount state ${this.file} has an unknown format`);
    this.volumes = new Map(Object.entries(parsed.volumes));
  }

  get(volume: string): MountRecord | undefined {
    return this.volumes.get(volume);
  }

  entries(): Array<[string, MountRecord]> {
    return [...this.volumes.entries()];
  }

  async set(volume: string, record: MountRecord): Promise<void> {
    this.volumes.set(volume, record);
    await this.save();
  }

  async delete(volume: string): Promise<void> {
    if (!this.volumes.delete(volume)) return;
    await this.save();
  }

  private save(): Promise<void> {
    const snapshot: StateFile = { version: 1, volumes: Object.fromEntries([...this.volumes.entries()].sort(([a], [b]) => a.localeCompare(b))) };
    const next = this.writing.then(async () => {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.tmp`;
      await writeFile(tmp, `${JSON.stringify(snapshot, null, 2)}\n`, { mode: 0o600 });
      await rename(tmp, this.file);
    });
    // A failed write fails its caller; the next write still runs.
    this.writing = next.catch(() => undefined);
    return next;
  }
}

/**
 * The NVMe-oF target side: the kernel's nvmet is configured only through configfs
 * (/sys/kernel/config/nvmet), by making directories, writing attribute files and one symlink:
 *
 *   subsystems/<nqn>/attr_allow_any_host        "1"
 *   subsystems/<nqn>/namespaces/<nsid>/device_path   the backing block device
 *   subsystems/<nqn>/namespaces/<nsid>/enable        "1"
 *   ports/<id>/addr_traddr, addr_trtype, addr_trsvcid, addr_adrfam
 *   ports/<id>/subsystems/<nqn>  ->  subsystems/<nqn>   (exports the subsystem on the port)
 *
 * One port per (address, service id, transport) is shared by all subsystems, as linstor-server does;
 * a port is removed when its last subsystem goes. The root is configurable so tests can point it at
 * a temp directory. On configfs, attribute files vanish with their directory and `rmdir` is the
 * only way to delete; a plain directory needs its files deleted first, hence the `rmdir` option.
 */
import { isIPv6 } from 'node:net';
import { mkdir, readFile, readdir, rmdir as fsRmdir, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const NVMET_ROOT = '/sys/kernel/config/nvmet';

export interface NvmetPort {
  address: string;
  /** "tcp" | "rdma" */
  transport: string;
  port: number;
}

export interface NvmetNamespace {
  nsid: number;
  device: string;
}

export interface NvmetOptions {
  root?: string;
  /** Deletes one configfs directory (default fs.rmdir, which is what configfs wants). */
  rmdir?: (path: string) => Promise<void>;
}

async function readAttr(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function list(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

export class Nvmet {
  readonly root: string;
  private readonly rmdir: (path: string) => Promise<void>;

  constructor(opts: NvmetOptions = {}) {
    this.root = opts.root ?? NVMET_ROOT;
    this.rmdir = opts.rmdir ?? ((p) => fsRmdir(p));
  }

  subsystemDir(nqn: string): string {
    return join(this.root, 'subsystems', nqn);
  }

  async hasSubsystem(nqn: string): Promise<boolean> {
    return (await list(join(this.root, 'subsystems'))).includes(nqn);
  }

  /** Creates or updates the subsystem with exactly these namespaces, and exports it on the port. */
  async export(nqn: string, namespaces: readonly NvmetNamespace[], port: NvmetPort): Promise<{ portId: number }> {
    const sub = this.subsystemDir(nqn);
    await mkdir(join(sub, 'namespaces'), { recursive: true });
    await writeFile(join(sub, 'attr_allow_any_host'), '1');
    const wanted = new Set(namespaces.map((n) => String(n.nsid)));
    for (const ns of namespaces) await this.ensureNamespace(sub, ns);
    for (const existing of await list(join(sub, 'namespaces'))) {
      if (!wanted.has(existing)) await this.removeNamespace(sub, existing);
    }
    const portId = await this.ensurePort(port);
    const link = join(this.root, 'ports', String(portId), 'subsystems', nqn);
    if (!(await list(join(this.root, 'ports', String(portId), 'subsystems'))).includes(nqn)) await symlink(sub, link);
    return { portId };
  }

  /** Unexports and deletes the subsystem; a missing one is fine. */
  async unexport(nqn: string): Promise<void> {
    for (const id of await list(join(this.root, 'ports'))) {
      const subs = join(this.root, 'ports', id, 'subsystems');
      const links = await list(subs);
      if (!links.includes(nqn)) continue;
      await unlink(join(subs, nqn));
      if (links.length === 1) await this.removePort(id);
    }
    const sub = this.subsystemDir(nqn);
    if (!(await this.hasSubsystem(nqn))) return;
    for (const ns of await list(join(sub, 'namespaces'))) await this.removeNamespace(sub, ns);
    await this.rmdir(sub);
  }

  private async ensureNamespace(sub: string, ns: NvmetNamespace): Promise<void> {
    const dir = join(sub, 'namespaces', String(ns.nsid));
    await mkdir(dir, { recursive: true });
    const enabled = (await readAttr(join(dir, 'enable'))) === '1';
    if (enabled && (await readAttr(join(dir, 'device_path'))) === ns.device) return;
    // device_path cannot change while the namespace is enabled.
    if (enabled) await writeFile(join(dir, 'enable'), '0');
    await writeFile(join(dir, 'device_path'), ns.device);
    await writeFile(join(dir, 'enable'), '1');
  }

  private async removeNamespace(sub: string, nsid: string): Promise<void> {
    const dir = join(sub, 'namespaces', nsid);
    await writeFile(join(dir, 'enable'), '0');
    await this.rmdir(dir);
  }

  /** The id of the port for this address/service/transport, made when missing. */
  private async ensurePort(p: NvmetPort): Promise<number> {
    const ports = join(this.root, 'ports');
    const ids = (await list(ports)).filter((d) => /^\d+$/.test(d)).map(Number).sort((a, b) => a - b);
    for (const id of ids) {
      const dir = join(ports, String(id));
      if ((await readAttr(join(dir, 'addr_traddr'))) === p.address
        && (await readAttr(join(dir, 'addr_trsvcid'))) === String(p.port)
        && (await readAttr(join(dir, 'addr_trtype'))) === p.transport) return id;
    }
    const id = ids.length ? ids[ids.length - 1] + 1 : 1;
    const dir = join(ports, String(id));
    await mkdir(join(dir, 'subsystems'), { recursive: true });
    await writeFile(join(dir, 'addr_traddr'), p.address);
    await writeFile(join(dir, 'addr_trtype'), p.transport);
    await writeFile(join(dir, 'addr_trsvcid'), String(p.port));
    await writeFile(join(dir, 'addr_adrfam'), isIPv6(p.address) ? 'ipv6' : 'ipv4');
    return id;
  }

  private async removePort(id: string): Promise<void> {
    const dir = join(this.root, 'ports', id);
    // On configfs the subsystems/ (and referrals/, ana_groups/) children go with the port itself.
    await this.rmdir(dir);
  }
}

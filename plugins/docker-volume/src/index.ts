/**
 * @storhub/plugin-docker-volume: Docker volumes backed by Storhub, a drop-in for linstor-docker-volume
 * (`docker volume create -d linstor ...` keeps working). See README.md.
 *
 * The default export is the Adapter storhubd runs when storhub.toml lists it:
 *   [plugins.docker-volume]
 *   [plugins.docker-volume.config]
 *   driver = "linstor"
 */
import { connect } from 'node:net';
import { lstat, mkdir, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Adapter, PluginContext } from '@storhub/core/plugin';
import { ConfFileReader, type DockerVolumeConfig, configSchema } from './config.js';
import { VolumeDriver } from './driver.js';
import { FileSystems } from './filesystem.js';
import { createProtocolServer } from './protocol.js';
import { MountState } from './state.js';

export { configSchema, type DockerVolumeConfig } from './config.js';
export { MARK_PROP, MOUNTOPTS_PROP, parseSizeKib } from './options.js';

export class DockerVolumePlugin implements Adapter<typeof configSchema> {
  readonly name = 'docker-volume';
  readonly configSchema = configSchema;
  private server: Server | undefined;
  private socketPath: string | undefined;
  private state: MountState | undefined;

  async start(ctx: PluginContext, config: DockerVolumeConfig): Promise<void> {
    if (this.server) throw new Error('the Docker volume plugin is already running');
    const conf = new ConfFileReader(config.conf_file);
    // A broken docker-volume.conf is found now, not at the first `docker volume create`.
    const read = await conf.read();
    if (read.ignored.length) {
      ctx.log.info({ file: conf.path, keys: read.ignored }, 'docker-volume.conf: REST client keys are not used (the plugin talks to storhubd\'s controllers)');
    }
    const state = new MountState(ctx.stateDir);
    await state.load();
    const fs = new FileSystems(ctx.runner);
    for (const [volume, rec] of state.entries()) {
      const mounted = await fs.isMounted(rec.dir);
      if (mounted) ctx.log.info({ volume, dir: rec.dir, callers: rec.callers.length }, 'still mounted from before the restart');
      else ctx.log.warn({ volume, dir: rec.dir }, 'recorded as mounted but is not; the next Mount mounts it again');
    }
    await mkdir(config.mount_root, { recursive: true, mode: 0o755 });
    await mkdir(config.socket_dir, { recursive: true, mode: 0o755 });

    const driver = new VolumeDriver({ config, conf, volumes: ctx.volumes, fs, state, log: ctx.log, nodeName: ctx.nodeName });
    const path = join(config.socket_dir, `${config.driver}.sock`);
    await clearStaleSocket(path);
    const server = createProtocolServer(driver, ctx.log);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => ctx.log.error({ err }, 'plugin socket error'));
    this.server = server;
    this.socketPath = path;
    this.state = state;
    ctx.log.info({ socket: path, driver: config.driver, mount_root: config.mount_root, node: ctx.nodeName }, 'Docker volume plugin listening');
  }

  async stop(): Promise<void> {
    const server = this.server;
    const path = this.socketPath;
    this.server = undefined;
    if (!server) return;
    // Mounts stay: running containers keep their volumes; the state file remembers them.
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    if (path) await rm(path, { force: true });
  }

  status(): { endpoint?: string; message?: string } {
    if (!this.server || !this.socketPath) return {};
    const mounted = this.state?.entries().filter(([, r]) => r.callers.length > 0).length ?? 0;
    return { endpoint: this.socketPath, message: `${mounted} volume(s) mounted on this node` };
  }
}

/**
 * A socket file left by a crash would make listen() fail. It is removed only when nothing answers on
 * it; a live socket means another plugin (or another storhubd) serves that driver name.
 */
async function clearStaleSocket(path: string): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; remove it or choose another driver name`);
  const alive = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
  if (alive) throw new Error(`another process already serves ${path}; choose another driver name (config "driver")`);
  await rm(path, { force: true });
}

/** A fresh plugin instance (tests run several side by side); storhubd uses the default export. */
export const createDockerVolumePlugin = (): DockerVolumePlugin => new DockerVolumePlugin();

const adapter: Adapter<typeof configSchema> = createDockerVolumePlugin();
export default adapter;

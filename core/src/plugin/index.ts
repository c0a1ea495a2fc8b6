/**
 * `@storhub/core/plugin`: what a plugin package needs besides `@storhub/core/model` and
 * `@storhub/core/client` — the Adapter interface and its context, the shared volume operations
 * (and their implementation, for plugin tests that drive a real controller), and the small
 * helpers a plugin's own tests use. See plugins/README.md.
 */
export type { Adapter, PluginContext, PluginStatus } from './adapter.js';
export type { SnapshotInfo, SpaceInfo, VolumeInfo, VolumeOps, VolumeOpsErrorKind, VolumeSpec } from './volume-ops.js';
export { VolumeOpsError, isVolumeOpsError } from './volume-ops.js';
export { createVolumeOps, type VolumeOpsOptions } from './volume-ops-rest.js';
export type { PluginInfo } from './host.js';
export type { CommandRunner, RunOptions, RunResult } from '../exec/runner.js';
export { CommandError } from '../exec/runner.js';
// Plugins log through the context's pino logger; its type, for helpers that take one.
export type { Logger } from 'pino';

/**
 * `@storhub/core/model`: the LINSTOR wire shapes (zod schemas and their types), ret_code handling,
 * the bigint-safe JSON reader/writer, name rules and enums. Plugins import only this, the client and
 * the plugin interface.
 */
export * from './apicallrc.js';
export * from './json.js';
export * from './errors.js';
export * from './names.js';
export * from './enums.js';
export * from './lenient.js';
export * from './layers.js';
export * from './node.js';
export * from './storage-pool.js';
export * from './resource-group.js';
export * from './resource-definition.js';
export * from './resource.js';
export * from './controller.js';

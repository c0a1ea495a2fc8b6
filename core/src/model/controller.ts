/** Wire shapes of controller-level objects: version, config, error reports, key-value stores, node connections. */
import { z } from 'zod';
import { optBool, optInt, optString, optStringList, PropsModifyFields, upperEnum } from './lenient.js';

export const ControllerVersion = z.object({
  version: z.string(),
  git_hash: z.string().optional(),
  build_time: z.string(),
  rest_api_version: z.string(),
});
export type ControllerVersion = z.infer<typeof ControllerVersion>;

export const LOG_LEVELS = ['ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const optLevel = () => z.preprocess((v) => (v === null ? undefined : v), upperEnum(LOG_LEVELS).optional());

export const ControllerConfigLog = z.object({
  print_stack_trace: optBool(),
  directory: optString(),
  level: optLevel(),
  level_global: optLevel(),
  level_linstor: optLevel(),
  level_linstor_global: optLevel(),
  rest_access_log_path: optString(),
  rest_access_mode: optString(),
});

/**
 * GET/PUT /v1/controller/config. Only `log` is modelled field by field: it is the only section that
 * can change at run time. The other sections (config, debug, db, http, https, ldap) are accepted as
 * objects so the service can tell the client they are fixed in the configuration file.
 */
export const ControllerConfig = z.object({
  config: z.record(z.string(), z.unknown()).nullish(),
  debug: z.record(z.string(), z.unknown()).nullish(),
  log: ControllerConfigLog.nullish(),
  db: z.record(z.string(), z.unknown()).nullish(),
  http: z.record(z.string(), z.unknown()).nullish(),
  https: z.record(z.string(), z.unknown()).nullish(),
  ldap: z.record(z.string(), z.unknown()).nullish(),
});
export type ControllerConfig = z.infer<typeof ControllerConfig>;

export const ErrorReport = z.object({
  node_name: z.string().optional(),
  error_time: z.number().int(),
  filename: z.string().optional(),
  text: z.string().optional(),
  module: z.string().optional(),
  version: z.string().optional(),
  peer: z.string().optional(),
  exception: z.string().optional(),
  exception_message: z.string().optional(),
  origin_file: z.string().optional(),
  origin_method: z.string().optional(),
  origin_line: z.number().int().optional(),
});
export type ErrorReport = z.infer<typeof ErrorReport>;

/** PATCH /v1/error-reports: every given criterion must match (an empty body is refused). */
export const ErrorReportDelete = z.object({
  since: optInt(),
  to: optInt(),
  nodes: optStringList(),
  exception: optString(),
  version: optString(),
  ids: optStringList(),
});
export type ErrorReportDelete = z.infer<typeof ErrorReportDelete>;

export const KeyValueStore = z.object({
  name: z.string(),
  props: z.record(z.string(), z.string()).optional(),
});
export type KeyValueStore = z.infer<typeof KeyValueStore>;

export const KeyValueStoreModify = z.object(PropsModifyFields);
export type KeyValueStoreModify = z.infer<typeof KeyValueStoreModify>;

export const NodeConnection = z.object({
  node_a: z.string(),
  node_b: z.string(),
  props: z.record(z.string(), z.string()).optional(),
});
export type NodeConnection = z.infer<typeof NodeConnection>;

export const NodeConnectionModify = z.object(PropsModifyFields);
export type NodeConnectionModify = z.infer<typeof NodeConnectionModify>;

/** Controller properties are changed with the generic props-modify body. */
export const ControllerPropsModify = z.object(PropsModifyFields);
export type ControllerPropsModify = z.infer<typeof ControllerPropsModify>;

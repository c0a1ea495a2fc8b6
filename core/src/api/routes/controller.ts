/**
 * /v1/controller: version (the handshake every python-linstor connect does twice), controller
 * properties, and the run-time config. Only the log level can change at run time; everything else
 * is fixed by storhub.toml, so a PUT that tries to change it is refused rather than ignored.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ControllerConfig, ControllerPropsModify, ControllerVersion, LOG_LEVELS, type LogLevel } from '../../model/controller.js';
import { StorhubError } from '../../model/errors.js';
import type { Controller } from '../../controller/controller.js';
import { ControllerPropsService } from '../../controller/services/controller-props.js';
import { rc } from '../../controller/responses.js';
import { BUILD_TIME, REST_API_VERSION, STORHUB_VERSION } from '../../version.js';
import type { ApiDeps } from '../context.js';
import { ApiCallRcList, route } from '../route.js';

const tags = ['controller'];

export function controllerRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const props = new ControllerPropsService(c);

  route(app, 'GET', '/v1/controller/version', {
    summary: 'Controller version and the REST API version it speaks', tags, reply: ControllerVersion, operationId: 'controllerVersion',
  }, () => ({
    version: STORHUB_VERSION,
    git_hash: process.env.STORHUB_GIT_HASH || 'unknown',
    build_time: BUILD_TIME,
    rest_api_version: REST_API_VERSION,
  }));

  route(app, 'GET', '/v1/controller/properties', {
    summary: 'Controller properties (flat map)', tags, reply: z.record(z.string(), z.string()), operationId: 'controllerPropertyList',
  }, () => props.list());

  // LINSTOR answers 201 here (a "create" of properties); clients compare the status literally.
  route(app, 'POST', '/v1/controller/properties', {
    summary: 'Set or delete controller properties', tags, rc: { op: 'CREATE', obj: 'CTRL_CONF' }, status: 201,
    body: ControllerPropsModify, reply: ApiCallRcList, operationId: 'controllerPropertyModify',
  }, ({ body }) => props.modify(body));

  // Keys contain slashes (DrbdOptions/Net/protocol), hence the wildcard.
  route(app, 'DELETE', '/v1/controller/properties/*', {
    summary: 'Delete one controller property', tags, rc: { op: 'DELETE', obj: 'CTRL_CONF' }, reply: ApiCallRcList,
    operationId: 'controllerPropertyDelete',
  }, ({ params }) => props.delete(params['*'] ?? ''));

  route(app, 'GET', '/v1/controller/config', {
    summary: 'The running controller config (log level)', tags, reply: ControllerConfig, operationId: 'ControllerConfig',
  }, () => currentConfig(c));

  route(app, 'PUT', '/v1/controller/config', {
    summary: 'Change the log level at run time', tags, rc: { op: 'MODIFY', obj: 'CTRL_CONF' }, body: ControllerConfig,
    reply: ApiCallRcList, operationId: 'CtrlSetConfig',
  }, ({ body }) => setConfig(c, body));
}

/** pino level -> LINSTOR LogLevel (pino's fatal is an error; silent has no LINSTOR name). */
function linstorLevel(pinoLevel: string): LogLevel | undefined {
  const up = pinoLevel === 'fatal' ? 'ERROR' : pinoLevel.toUpperCase();
  return (LOG_LEVELS as readonly string[]).includes(up) ? (up as LogLevel) : undefined;
}

function currentConfig(c: Controller): ControllerConfig {
  const level = linstorLevel(c.log.level);
  return level ? { log: { level, level_linstor: level } } : {};
}

function setConfig(c: Controller, body: ControllerConfig) {
  const fixed = (['config', 'debug', 'db', 'http', 'https', 'ldap'] as const).filter((s) => body[s] && Object.keys(body[s]!).length > 0);
  const log = body.log ?? {};
  const logFixed = (['print_stack_trace', 'directory', 'rest_access_log_path', 'rest_access_mode'] as const).filter((f) => log[f] !== undefined);
  if (fixed.length > 0 || logFixed.length > 0) {
    const what = [...fixed, ...logFixed.map((f) => `log.${f}`)].join(', ');
    throw new StorhubError('FAIL_INVLD_REQUEST', `The controller config cannot be changed at run time: ${what}.`, {
      correction: 'Change these in /etc/storhub/storhub.toml and restart the controller; only log levels change at run time.',
    });
  }
  // The different LINSTOR level knobs (own code / libraries / global) all map to our one logger.
  const level = log.level_linstor ?? log.level ?? log.level_linstor_global ?? log.level_global;
  if (level === undefined) return [];
  c.log.level = level.toLowerCase();
  return [rc.success('MODIFIED', 'MODIFY', 'CTRL_CONF', `Controller log level set to ${level}.`)];
}

/** (being written) */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../context.js';

export function controllerRoutes(_app: FastifyInstance, _deps: ApiDeps): void {}

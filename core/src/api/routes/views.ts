/** (being written) */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../context.js';

export function viewRoutes(_app: FastifyInstance, _deps: ApiDeps): void {}

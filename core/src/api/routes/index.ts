/** Every route family, registered in this order. */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../context.js';
import { nodeRoutes } from './nodes.js';

export const ROUTES: Array<(app: FastifyInstance, deps: ApiDeps) => void> = [nodeRoutes];

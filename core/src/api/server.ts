/**
 * Builds the REST API (fastify): LINSTOR's wire rules live here once for every route.
 * - bodies are JSON whatever the Content-Type says, and an empty body is `{}`;
 * - replies are JSON with bigint-safe integers and always `application/json`;
 * - route schemas document the API (OpenAPI at /openapi.json, UI at /ui) but do not validate:
 *   validation is zod's, inside the handlers, so lenient input keeps working.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import { stringifyJson } from '../model/json.js';
import type { Controller } from '../controller/controller.js';
import { BodyParseError, installErrorHandling } from './errors.js';
import type { ApiDeps } from './context.js';
import { ROUTES } from './routes/index.js';
import { STORHUB_VERSION } from '../version.js';

export interface ApiOptions {
  controller: Controller;
  logger: Logger;
  /** Serve the OpenAPI UI (on by default). */
  ui?: boolean;
  /** Checks whose problems make /health answer 500 (the controller itself cannot serve). */
  healthChecks?: Array<() => string | undefined>;
  /**
   * Problems /health reports in its body while still answering 200, e.g. a failed plugin: clients
   * such as Proxmox use /health to decide whether the controller is reachable at all.
   */
  healthNotes?: Array<() => string | undefined>;
  /** The plugin host, for GET /v1/storhub/plugins. */
  plugins?: ApiDeps['plugins'];
}

export async function buildApi(opts: ApiOptions): Promise<FastifyInstance> {
  const app = Fastify({
    // Request logging stays off (lists are hot paths); errors are logged by the error handler.
    logger: false,
    bodyLimit: 64 * 1024 * 1024,
    // maxParamLength: an external file name is a path of up to 1024 characters, URL-encoded into one segment.
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 4096 },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new BodyParseError((err as Error).message), undefined);
    }
  });
  app.setValidatorCompiler(() => () => true);
  app.setSerializerCompiler(() => (data) => stringifyJson(data));
  app.setReplySerializer((payload) => stringifyJson(payload));
  app.addHook('onSend', async (_req, reply, payload) => {
    if (!reply.hasHeader('content-type') || String(reply.getHeader('content-type')).startsWith('application/json')) {
      reply.header('content-type', 'application/json');
    }
    return payload;
  });

  installErrorHandling(app, opts.controller);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Storhub REST API (LINSTOR REST API v1 compatible)', version: '1.28.0' },
      servers: [{ url: '/' }],
    },
  });
  if (opts.ui !== false) await app.register(swaggerUi, { routePrefix: '/ui' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get('/health', { schema: { hide: true } }, async (_req, reply) => {
    const collect = (checks: Array<() => string | undefined> = []) => checks.map((check) => check()).filter((p): p is string => !!p);
    const problems = collect(opts.healthChecks);
    if (problems.length > 0) return reply.code(500).type('text/plain').send(problems.join('\n'));
    return reply.code(200).type('text/plain').send(collect(opts.healthNotes).join('\n'));
  });

  const deps: ApiDeps = { controller: opts.controller, plugins: opts.plugins };
  for (const register of ROUTES) register(app, deps);

  app.get('/', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/html').send(
      `<!doctype html><title>Storhub ${STORHUB_VERSION}</title><h1>Storhub ${STORHUB_VERSION}</h1>` +
        '<p>LINSTOR REST API v1 on <code>/v1/</code>; <a href="/ui">API browser</a>, <a href="/openapi.json">OpenAPI</a>, ' +
        '<a href="/metrics">metrics</a>, <a href="/health">health</a>.</p>',
    ),
  );
  return app;
}

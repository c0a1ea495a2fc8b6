/**
 * The one place errors become LINSTOR answers: StorhubError -> ApiCallRc list with LINSTOR's status
 * mapping; bad JSON or mistyped fields -> 400 API_CALL_PARSE_ERROR; anything unexpected -> an error
 * report and 500. Unknown paths answer 404 and known paths with the wrong method 405, both as
 * ApiCallRc lists, as LINSTOR does.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';
import Router from 'find-my-way';
import { API_CALL_PARSE_ERROR, Code, isoOffsetNow, retCode, withContext } from '../model/apicallrc.js';
import { StorhubError } from '../model/errors.js';
import { stringifyJson } from '../model/json.js';
import type { Controller } from '../controller/controller.js';

export class BodyParseError extends Error {}

export function installErrorHandling(app: FastifyInstance, controller: Controller): void {
  // A second router that only knows the route patterns, to tell 405 from 404.
  const known = Router();
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const m of methods) {
      if (m === 'HEAD') continue;
      try {
        known.on(m as 'GET', route.url, () => {});
      } catch {
        // the same pattern registered twice (e.g. by prefix aliases) is harmless here
      }
    }
  });

  app.setErrorHandler((error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) => {
    const routeRc = request.routeOptions.config?.rc ?? {};
    if (error instanceof StorhubError) {
      return sendJson(reply, error.httpStatus, [error.toApiCallRc(routeRc.op, routeRc.obj)]);
    }
    if (error instanceof ZodError || error instanceof BodyParseError || isFastifyParseError(error)) {
      const details = error instanceof ZodError
        ? error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')
        : error.message;
      return sendJson(reply, 400, [{
        ret_code: API_CALL_PARSE_ERROR,
        message: 'Unable to parse input json.',
        details,
        created_at: isoOffsetNow(),
      }]);
    }
    const reportId = controller.recordError(error, `${request.method} ${request.url}`);
    return sendJson(reply, 500, [{
      ret_code: withContext(retCode('error', Code.FAIL_UNKNOWN_ERROR), routeRc.op, routeRc.obj),
      message: `An unexpected error occurred: ${error.message}`,
      error_report_ids: [reportId],
      created_at: isoOffsetNow(),
    }]);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const otherMethods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'].filter(
      (m) => m !== request.method && known.find(m as 'GET', path) !== null,
    );
    const status = otherMethods.length > 0 ? 405 : 404;
    if (status === 405) reply.header('allow', otherMethods.join(', '));
    return sendJson(reply, status, [{
      ret_code: retCode('error', Code.FAIL_UNKNOWN_ERROR),
      message: status === 405
        ? `Method '${request.method}' is not allowed on '${path}'.`
        : `Path '${path}' not found on server.`,
      created_at: isoOffsetNow(),
    }]);
  });
}

function isFastifyParseError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return typeof code === 'string' && (code.startsWith('FST_ERR_CTP') || code === 'FST_ERR_VALIDATION');
}

/** Error replies are serialized here, outside any route's serializer (the 404 handler has none). */
function sendJson(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type('application/json').send(stringifyJson(body));
}

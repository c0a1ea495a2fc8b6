/**
 * /v1/files: external files, and /v1/resource-definitions/{rd}/files/{path}: attaching them.
 *
 * The file's name in the URL is its absolute path, URL-encoded into one segment (%2Fetc%2Fsome.conf).
 * It is decoded from the raw URL here rather than taken from the router, because Go clients (the
 * gateway uses url.QueryEscape) encode a space as '+': '+' means a space, a literal plus is %2B.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ExternalFileService } from '../../controller/services/external-files.js';
import { ExtFileCheckResult, ExternalFile, ExternalFileSet } from '../../model/external-file.js';
import { StorhubError } from '../../model/errors.js';
import { isError } from '../../model/apicallrc.js';
import type { ExternalFileRecord } from '../../store/records.js';
import type { ApiDeps } from '../context.js';
import { nonEmpty } from '../out.js';
import { bool } from '../query.js';
import { ApiCallRcList, route, toJsonSchema } from '../route.js';

const tags = ['external files'];

export function externalFileRoutes(app: FastifyInstance, { controller: c }: ApiDeps): void {
  const files = new ExternalFileService(c);

  route(app, 'GET', '/v1/files', {
    summary: 'List external files (content only with ?content=true)', tags, reply: z.array(ExternalFile),
  }, ({ query }) => {
    const withContent = bool(query, 'content');
    return files.list().map((f) => fileView(f, withContent));
  });

  route(app, 'GET', '/v1/files/:extFileName', {
    summary: 'Show one external file with its content', tags, reply: ExternalFile,
  }, ({ request }) => fileView(files.get(pathSegment(request, 2)), true));

  route(app, 'PUT', '/v1/files/:extFileName', {
    summary: 'Register or modify an external file', tags, rc: { op: 'MODIFY', obj: 'EXT_FILES' }, body: ExternalFileSet,
    reply: ApiCallRcList,
  }, ({ request, body }) => files.set(pathSegment(request, 2), body));

  route(app, 'DELETE', '/v1/files/:extFileName', {
    summary: 'Delete an external file (detaches it everywhere; satellites remove it from disk)', tags,
    rc: { op: 'DELETE', obj: 'EXT_FILES' }, reply: ApiCallRcList,
  }, ({ request }) => files.delete(pathSegment(request, 2)));

  route(app, 'GET', '/v1/files/:extFileName/check/:node', {
    summary: "Whether the node's satellite writes this path (its allowExtFiles)", tags, reply: ExtFileCheckResult,
  }, ({ request, params }): ExtFileCheckResult => ({ allowed: files.check(pathSegment(request, 2), params.node) }));

  // Not through route(): the answer is 403 when a node refuses the path (the attachment is kept), as LINSTOR's.
  app.route({
    method: 'POST',
    url: '/v1/resource-definitions/:resource/files/:extFileName',
    schema: {
      summary: 'Attach an external file: it is written on every node with a resource of the definition '
        + '(403 when a node does not allow the path; the attachment is kept)',
      tags, response: { 200: toJsonSchema(ApiCallRcList), 403: toJsonSchema(ApiCallRcList) },
    },
    config: { rc: { op: 'MODIFY', obj: 'RSC_DFN' } },
    handler: async (request, reply) => {
      const answers = files.attach((request.params as { resource: string }).resource, pathSegment(request, 4));
      return reply.code(answers.some((a) => isError(a.ret_code)) ? 403 : 200).send(answers);
    },
  });

  route(app, 'DELETE', '/v1/resource-definitions/:resource/files/:extFileName', {
    summary: 'Detach an external file from a resource definition', tags, rc: { op: 'MODIFY', obj: 'RSC_DFN' },
    reply: ApiCallRcList,
  }, ({ request, params }) => files.detach(params.resource, pathSegment(request, 4)));
}

function fileView(f: ExternalFileRecord, withContent: boolean): ExternalFile {
  return nonEmpty({
    path: f.path,
    content: withContent ? f.content : undefined,
    alt_suffixes: f.alt_suffixes,
  }) as ExternalFile;
}

/** The `index`-th non-empty segment of the request path, decoded ('+' is a space). */
function pathSegment(request: FastifyRequest, index: number): string {
  const raw = (request.raw.url ?? request.url).split('?')[0].split('/').filter((s) => s !== '')[index] ?? '';
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch (err) {
    throw new StorhubError('FAIL_INVLD_EXT_FILE_NAME', `Invalid external file name '${raw}': ${(err as Error).message}.`, {
      correction: 'URL-encode the absolute path into one segment, e.g. %2Fetc%2Fsome.conf.',
    });
  }
}

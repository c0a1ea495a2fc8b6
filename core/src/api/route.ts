/**
 * Route declaration helpers: every route names its operation/object (for ret_code bits), its success
 * status and, for documentation, its zod body schema. Bodies are parsed with zod inside the handler.
 */
import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';
import { z } from 'zod';
import type { RouteRc } from './context.js';
import type { Query } from './query.js';

export interface RouteSpec<B extends z.ZodType | undefined> {
  rc?: RouteRc;
  /** Success status: 200, or 201 for creating POSTs (clients compare it literally). */
  status?: number;
  summary: string;
  tags: string[];
  body?: B;
  /** Zod schema of the success reply, for the OpenAPI document. */
  reply?: z.ZodType;
  operationId?: string;
}

type Params = Record<string, string>;
export interface Call<B> {
  params: Params;
  query: Query;
  body: B;
  request: FastifyRequest;
}

const jsonSchemaCache = new WeakMap<z.ZodType, unknown>();
export function toJsonSchema(schema: z.ZodType): unknown {
  let s = jsonSchemaCache.get(schema);
  if (!s) {
    const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' }) as Record<string, unknown>;
    s = rest;
    jsonSchemaCache.set(schema, s);
  }
  return s;
}

export function route<B extends z.ZodType | undefined>(
  app: FastifyInstance,
  method: HTTPMethods,
  url: string,
  spec: RouteSpec<B>,
  handler: (call: Call<B extends z.ZodType ? z.infer<B> : undefined>) => unknown,
): void {
  const schema: Record<string, unknown> = { summary: spec.summary, tags: spec.tags };
  if (spec.operationId) schema.operationId = spec.operationId;
  if (spec.body) schema.body = toJsonSchema(spec.body);
  if (spec.reply) schema.response = { [spec.status ?? 200]: toJsonSchema(spec.reply) };
  app.route({
    method,
    url,
    schema,
    config: { rc: spec.rc },
    handler: async (request, reply) => {
      const body = spec.body ? spec.body.parse(request.body ?? {}) : undefined;
      const result = await handler({
        params: request.params as Params,
        query: request.query as Query,
        body: body as B extends z.ZodType ? z.infer<B> : undefined,
        request,
      });
      if (result instanceof JsonText) return reply.code(spec.status ?? 200).type('application/json').send(result.text);
      return reply.code(spec.status ?? 200).send(result);
    },
  });
}

/** A reply that is already JSON text (hot lists assemble it from cached pieces); sent as is. */
export class JsonText {
  constructor(readonly text: string) {}
}

/** The ApiCallRc list reply shape (documentation only). */
export const ApiCallRcList = z.array(
  z.object({
    ret_code: z.number().int(),
    message: z.string(),
    cause: z.string().optional(),
    details: z.string().optional(),
    correction: z.string().optional(),
    error_report_ids: z.array(z.string()).optional(),
    obj_refs: z.record(z.string(), z.string()).optional(),
    created_at: z.string().optional(),
  }),
);

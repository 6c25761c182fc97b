import type { paths } from './openapi';

/**
 * Request and reply types of the hub's API, read off its OpenAPI document (openapi.d.ts, generated):
 * `Reply<'/api/incidents/{id}'>` is what GET /api/incidents/:id answers.
 */
export type ApiPath = keyof paths;
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

type Operation<P extends ApiPath, M extends Method> = paths[P] extends Record<M, infer O> ? O : never;
type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : undefined;

/** The successful (200 or 201) JSON reply of an operation; GET by default. */
export type Reply<P extends ApiPath, M extends Method = 'get'> =
  Operation<P, M> extends { responses: infer R }
    ? R extends { 200: infer OK } ? JsonOf<OK> : R extends { 201: infer Created } ? JsonOf<Created> : undefined
    : never;

/** The JSON body an operation takes. */
export type Body<P extends ApiPath, M extends Method> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

/** The query string an operation takes. */
export type Query<P extends ApiPath, M extends Method = 'get'> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? (Q extends undefined ? never : Q) : never;

/** The error every failing route answers (src/http/error-replies.ts). */
export interface ProblemReply {
  error: string;
  detail?: string;
  problems?: Array<{ path?: string; message: string }>;
  retryAfterS?: number;
}

/**
 * Web triggers on the local runtime, as Forge serves them:
 * - `webTrigger.getUrl(key)` (@forge/api) posts the GraphQL mutation `createWebTriggerUrl` to `/graphql` as
 *   the app (node_modules/@forge/api/out/webTrigger.js) and reads `data.createWebTriggerUrl.url`; the same
 *   installation and key give the same URL each time (https://developer.atlassian.com/platform/forge/cli-reference/webtrigger/);
 * - a call to the URL invokes the function with `{method, headers, body, path, queryParameters}`, headers and
 *   query parameters as arrays of strings, and its result becomes the HTTP response; a result that is not
 *   `{statusCode, headers?, body?, statusText?}` is a 500
 *   (https://developer.atlassian.com/platform/forge/runtime-reference/web-trigger/).
 */
import crypto from 'node:crypto';
import { z } from 'zod';

export const WebTriggerResult = z.object({
  statusCode: z.number().int().min(100).max(599),
  statusText: z.string().optional(),
  body: z.string().optional(),
  headers: z.record(z.string(), z.array(z.string())).optional(),
});
export type WebTriggerResult = z.infer<typeof WebTriggerResult>;

/** What a caller sends to a web trigger URL. */
export interface WebTriggerCall {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The URL's id: stable per installation and module key, unguessable without both. */
export function webTriggerId(installationId: string, moduleKey: string): string {
  return crypto.createHash('sha256').update(`${installationId}:${moduleKey}`).digest('hex').slice(0, 32);
}

const CreateUrl = z.object({
  query: z.string().includes('createWebTriggerUrl'),
  variables: z.object({ input: z.object({ triggerKey: z.string() }), forceCreate: z.boolean().optional() }),
});

/** The `/graphql` answer to `createWebTriggerUrl`, or a GraphQL error naming what is not implemented or known. */
export function answerGraphql(body: unknown, urlFor: (triggerKey: string) => string | null): { status: number; payload: unknown } {
  const parsed = CreateUrl.safeParse(body);
  if (!parsed.success) return { status: 200, payload: { errors: [{ message: 'the local runtime implements only createWebTriggerUrl' }] } };
  const url = urlFor(parsed.data.variables.input.triggerKey);
  if (!url) return { status: 200, payload: { errors: [{ message: `no webtrigger module ${parsed.data.variables.input.triggerKey}` }] } };
  return { status: 200, payload: { data: { createWebTriggerUrl: { url } } } };
}

/** The function's invocation payload for a call to `url`. */
export function webTriggerRequest(url: URL, call: WebTriggerCall): Record<string, unknown> {
  const queryParameters: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) (queryParameters[name] ??= []).push(value);
  const headers = Object.fromEntries(Object.entries(call.headers ?? {}).map(([name, value]) => [name, [value]]));
  return { method: call.method ?? 'GET', headers, body: call.body ?? '', path: url.pathname, queryParameters };
}

/** The function's result as the HTTP response Forge sends: anything else is a 500. */
export function webTriggerResponse(result: unknown): WebTriggerResult {
  const parsed = WebTriggerResult.safeParse(result);
  return parsed.success ? parsed.data : { statusCode: 500, body: 'the web trigger function returned an invalid response' };
}

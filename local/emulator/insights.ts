/**
 * Code Insights and Pipelines variables in the emulator, as the OpenAPI document describes them:
 * - reports (`report`) per commit, read by uuid or by the writer's `external_id` ("Either the uuid or external-id
 *   of the report"), created or replaced by PUT; annotations (`report_annotation`) added in bulk by POST, at most
 *   100 a request and 1,000 a report; at most 10 data fields a report, each value of the type its `type` names
 *   (the "Data field formats" table of PUT …/reports/{reportId});
 * - Pipelines variables of a repository, a workspace and a deployment environment, read by administrators (they
 *   are settings: https://support.atlassian.com/bitbucket-cloud/docs/variables-and-secrets/); a secured
 *   variable's value is never answered ("The value will never be exposed in the logs or the REST API").
 */
import { z } from 'zod';
import { resolveCommit } from './commits';
import { applyFields } from './fields';
import { HttpError } from './http-error';
import { AnnotationSeed, ReportDataSeed, type ReportSeed, type VariableSeed } from './model';
import * as render from './render';
import type { RepositoryRequest, WorkspaceRequest } from './routes';

/** The commit a path names, as the model knows it: an unknown or ambiguous one is a 404, as GET …/commit/{commit} is. */
function commitOf(r: RepositoryRequest): string {
  const wanted = r.params[0] ?? '';
  const hash = resolveCommit(r.repo, wanted);
  if (hash === null) throw new HttpError(404, `Commit not found: ${wanted}`);
  return hash;
}

function reportOf(r: RepositoryRequest): ReportSeed {
  const commit = commitOf(r);
  const id = r.params[1] ?? '';
  const found = r.repo.reports.find((report) => report.commit === commit && (report.externalId === id || report.uuid === id));
  if (!found) throw new HttpError(404, `Report ${id} not found`);
  return found;
}

function renderReport(r: RepositoryRequest, report: ReportSeed): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: 'report',
    uuid: report.uuid,
    external_id: report.externalId,
    commit_hash: report.commit,
    title: report.title,
    details: report.details,
    remote_link_enabled: false,
    data: report.data,
    created_on: render.bbTime(report.createdOn),
    updated_on: render.bbTime(report.updatedOn),
    links: {
      self: { href: `${r.base}/2.0/repositories/${r.ws.slug}/${r.repo.slug}/commit/${report.commit}/reports/${report.uuid}` },
    },
  };
  // Optional fields a writer left out are absent, not null (the document types them as plain strings).
  if (report.reporter !== undefined) out.reporter = report.reporter;
  if (report.reportType !== undefined) out.report_type = report.reportType;
  if (report.result !== undefined) out.result = report.result;
  if (report.link !== undefined) out.link = report.link;
  return out;
}

function renderAnnotation(annotation: z.infer<typeof AnnotationSeed>): Record<string, unknown> {
  const { externalId, annotationType, createdOn, ...rest } = annotation;
  return {
    type: 'report_annotation',
    external_id: externalId,
    annotation_type: annotationType,
    ...rest,
    created_on: render.bbTime(createdOn),
    updated_on: render.bbTime(createdOn),
  };
}

export const insightsRead: Array<[string, (r: RepositoryRequest) => unknown]> = [
  [
    'commit/*/reports',
    (r) => {
      const commit = commitOf(r);
      const reports = r.repo.reports.filter((report) => report.commit === commit).map((report) => renderReport(r, report));
      return r.host.page(r.url, reports, { fields: r.fields });
    },
  ],
  ['commit/*/reports/*', (r) => applyFields(renderReport(r, reportOf(r)), r.fields)],
  ['commit/*/reports/*/annotations', (r) => r.host.page(r.url, reportOf(r).annotations.map(renderAnnotation), { fields: r.fields })],
];

/** A variable as the API answers it: a secured one without its value. */
function renderVariable(variable: VariableSeed): Record<string, unknown> {
  const out: Record<string, unknown> = { type: 'pipeline_variable', uuid: variable.uuid, key: variable.key, secured: variable.secured };
  if (!variable.secured) out.value = variable.value;
  return out;
}

export const variablesRead: Array<[string, (r: RepositoryRequest) => unknown]> = [
  [
    'pipelines_config/variables',
    (r) => {
      r.host.requireAdmin(r.credential, 'repository variables', r.ws, r.repo);
      return r.host.page(r.url, r.repo.variables.map(renderVariable), { fields: r.fields });
    },
  ],
  [
    'deployments_config/environments/*/variables',
    (r) => {
      r.host.requireAdmin(r.credential, 'deployment variables', r.ws, r.repo);
      const wanted = r.params[0] ?? '';
      const environment = r.repo.environments.find((env) => env.uuid === wanted || env.uuid === `{${wanted}}`);
      if (!environment) throw new HttpError(404, `Environment ${wanted} not found`);
      return r.host.page(r.url, environment.variables.map(renderVariable), { fields: r.fields });
    },
  ],
];

export function workspaceVariables(r: WorkspaceRequest): unknown {
  r.host.requireAdmin(r.credential, 'workspace variables', r.ws);
  return r.host.page(r.url, r.ws.variables.map(renderVariable), { fields: r.fields });
}

// ---- writes --------------------------------------------------------------------------------------------------

const VALUE_CHECKS: Record<string, (value: unknown) => boolean> = {
  BOOLEAN: (value) => typeof value === 'boolean',
  DATE: (value) => typeof value === 'number',
  DURATION: (value) => typeof value === 'number',
  NUMBER: (value) => typeof value === 'number',
  PERCENTAGE: (value) => typeof value === 'number' && value >= 0 && value <= 100,
  TEXT: (value) => typeof value === 'string',
  LINK: (value) => z.object({ text: z.string(), href: z.string() }).safeParse(value).success,
};

/** The body of PUT …/reports/{reportId}: the document's fields and enums; other fields are allowed and ignored. */
const ReportBody = z.object({
  title: z.string(),
  details: z.string().optional(),
  reporter: z.string().optional(),
  report_type: z.enum(['SECURITY', 'COVERAGE', 'TEST', 'BUG']).optional(),
  result: z.enum(['PASSED', 'FAILED', 'PENDING']).optional(),
  link: z.string().optional(),
  data: z
    .array(ReportDataSeed)
    .max(10, 'A report can have at most 10 data fields.')
    .refine(
      (data) => data.every((datum) => datum.type === undefined || VALUE_CHECKS[datum.type]?.(datum.value) === true),
      'A data field value does not match its type.',
    )
    .default([]),
});

const AnnotationBody = z.object({
  external_id: z.string().min(1),
  annotation_type: z.enum(['VULNERABILITY', 'CODE_SMELL', 'BUG']),
  summary: z.string().min(1).max(450, 'The summary field cannot contain more than 450 characters.'),
  details: z.string().optional(),
  severity: z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW']).optional(),
  result: z.enum(['PASSED', 'FAILED', 'SKIPPED', 'IGNORED']).optional(),
  path: z.string().optional(),
  line: z.number().int().min(1).optional(),
});

function parsed<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new HttpError(400, issue?.message ?? 'The provided object is malformed or incomplete.', issue?.path.join('.'));
}

function uuidOf(text: string): string {
  const hex = render.hashOf(text);
  return `{${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}}`;
}

/** PUT …/commit/{commit}/reports/{reportId}: creates the report or replaces its fields; its annotations stay. */
function putReport(r: RepositoryRequest & { body: unknown }): unknown {
  const commit = commitOf(r);
  const externalId = r.params[1] ?? '';
  const body = parsed(ReportBody, r.body);
  const now = new Date(r.host.now()).toISOString();
  const existing = r.repo.reports.find(
    (report) => report.commit === commit && (report.externalId === externalId || report.uuid === externalId),
  );
  const fields = {
    title: body.title,
    details: body.details ?? '',
    reporter: body.reporter,
    reportType: body.report_type,
    result: body.result,
    link: body.link,
    data: body.data,
    updatedOn: now,
  };
  if (existing) {
    Object.assign(existing, fields);
    return renderReport(r, existing);
  }
  const created: ReportSeed = {
    commit,
    externalId,
    uuid: uuidOf(`${r.repo.uuid}:${commit}:${externalId}`),
    createdOn: now,
    annotations: [],
    ...fields,
  };
  r.repo.reports.push(created);
  return renderReport(r, created);
}

/** POST …/reports/{reportId}/annotations: up to 100 a request; one with a known external id replaces it. */
function postAnnotations(r: RepositoryRequest & { body: unknown }): unknown {
  const report = reportOf(r);
  const bodies = parsed(z.array(AnnotationBody).min(1).max(100, 'You can upload up to 100 annotations per request.'), r.body);
  const now = new Date(r.host.now()).toISOString();
  const kept = report.annotations.filter((annotation) => !bodies.some((body) => body.external_id === annotation.externalId));
  if (kept.length + bodies.length > 1000) throw new HttpError(400, 'A report can contain up to 1000 annotations.');
  const added = bodies.map((body) =>
    AnnotationSeed.parse({
      ...body,
      externalId: body.external_id,
      annotationType: body.annotation_type,
      uuid: uuidOf(`${report.uuid}:${body.external_id}`),
      createdOn: now,
    }),
  );
  report.annotations = [...kept, ...added];
  return added.map(renderAnnotation);
}

export const insightsWrite: Array<[string, string, (r: RepositoryRequest & { body: unknown }) => unknown]> = [
  ['PUT', 'commit/*/reports/*', putReport],
  ['POST', 'commit/*/reports/*/annotations', postAnnotations],
];

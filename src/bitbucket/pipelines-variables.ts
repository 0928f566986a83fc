/**
 * Pipelines variables by name and `secured` flag only (read:pipeline): `fields=` asks for nothing else, so a
 * variable's value — an unsecured secret's included — never leaves Bitbucket for Attest (OpenAPI
 * `pipeline_variable`; https://developer.atlassian.com/cloud/bitbucket/rest/intro/#partial-response).
 */
import { route } from '@forge/api';
import type { BitbucketClient } from './client';
import { paginate, type Paginated } from './paginate';
import { DeploymentEnvironment, PipelineVariable } from './schemas';
import { wrapUuid } from '../lib/uuid';
import type { RepositoryRef } from './api';

const VARIABLE_FIELDS = 'values.uuid,values.key,values.secured,next';

/** GET …/pipelines_config/variables: the repository's own variables. */
export function listRepositoryVariables(client: BitbucketClient, target: RepositoryRef): Promise<Paginated<PipelineVariable>> {
  const [workspace, repository] = [wrapUuid(target.workspaceUuid), wrapUuid(target.repositoryUuid)];
  return paginate(
    client,
    (bitbucket) =>
      bitbucket.requestBitbucket(
        route`/2.0/repositories/${workspace}/${repository}/pipelines_config/variables?pagelen=100&fields=${VARIABLE_FIELDS}`,
      ),
    PipelineVariable,
    { maxPages: 5 },
  );
}

/** GET /workspaces/{workspace}/pipelines-config/variables: variables every repository's pipelines see. */
export function listWorkspaceVariables(client: BitbucketClient, workspaceUuid: string): Promise<Paginated<PipelineVariable>> {
  const workspace = wrapUuid(workspaceUuid);
  return paginate(
    client,
    (bitbucket) =>
      bitbucket.requestBitbucket(route`/2.0/workspaces/${workspace}/pipelines-config/variables?pagelen=100&fields=${VARIABLE_FIELDS}`),
    PipelineVariable,
    { maxPages: 5 },
  );
}

/** GET …/environments: the repository's deployment environments. */
export function listEnvironments(client: BitbucketClient, target: RepositoryRef): Promise<Paginated<DeploymentEnvironment>> {
  const [workspace, repository] = [wrapUuid(target.workspaceUuid), wrapUuid(target.repositoryUuid)];
  return paginate(
    client,
    (bitbucket) => bitbucket.requestBitbucket(route`/2.0/repositories/${workspace}/${repository}/environments?pagelen=100`),
    DeploymentEnvironment,
    { maxPages: 2 },
  );
}

/** GET …/deployments_config/environments/{environment_uuid}/variables: one environment's variables. */
export function listEnvironmentVariables(
  client: BitbucketClient,
  target: RepositoryRef & { environmentUuid: string },
): Promise<Paginated<PipelineVariable>> {
  const [workspace, repository, environment] = [
    wrapUuid(target.workspaceUuid),
    wrapUuid(target.repositoryUuid),
    wrapUuid(target.environmentUuid),
  ];
  return paginate(
    client,
    (bitbucket) =>
      bitbucket.requestBitbucket(
        route`/2.0/repositories/${workspace}/${repository}/deployments_config/environments/${environment}/variables?pagelen=100&fields=${VARIABLE_FIELDS}`,
      ),
    PipelineVariable,
    { maxPages: 5 },
  );
}

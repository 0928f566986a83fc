import React from 'react';
import { findAll, renderModule, textOf } from '../../local/ui/forge-doc';
import { PullRequestCard } from '../../src/frontend/pull-request-card/app';

it('renders through the real reconciler', async () => {
  const rendered = await renderModule(<PullRequestCard />, {
    invoke: async () => ({ ok: true, data: { pullRequest: null, checkTitles: {}, repository: null } }),
    context: { extension: { type: 'bitbucket:repoPullRequestCard' } },
  });
  console.log(JSON.stringify(rendered.doc()).slice(0, 500), textOf(rendered.doc()), findAll(rendered.doc(), 'Text').length);
});

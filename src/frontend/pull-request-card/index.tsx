// The `pull-request-card` resource: renders the module (the component lives in app.tsx so tests can render it).
import React from 'react';
import ForgeReconciler from '@forge/react';
import { PullRequestCard } from './app';

ForgeReconciler.render(
  <React.StrictMode>
    <PullRequestCard />
  </React.StrictMode>,
);

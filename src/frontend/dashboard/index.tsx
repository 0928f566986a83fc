// The `dashboard` resource: renders the module (the component lives in app.tsx so tests can render it).
import React from 'react';
import ForgeReconciler from '@forge/react';
import { Dashboard } from './app';

ForgeReconciler.render(
  <React.StrictMode>
    <Dashboard />
  </React.StrictMode>,
);

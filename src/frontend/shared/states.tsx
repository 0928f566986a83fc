import React from 'react';
import { Button, SectionMessage, Spinner, Stack, Text } from '@forge/react';

export function Loading({ what }: { what: string }) {
  return (
    <Stack space="space.100" alignInline="center">
      <Spinner label={`Loading ${what}`} />
      <Text>Loading {what}…</Text>
    </Stack>
  );
}

export function LoadError({ message, code, onRetry }: { message: string; code?: string | undefined; onRetry: () => void }) {
  // Not an error to retry: the licence is not active (src/handlers/license.ts), and the message says what to do.
  if (code === 'UNLICENSED')
    return (
      <SectionMessage appearance="warning" title="Attest is paused: its licence is not active">
        <Text>{message}</Text>
      </SectionMessage>
    );
  return (
    <SectionMessage appearance="error" title="Attest could not load this">
      <Text>{message}</Text>
      <Button onClick={onRetry}>Try again</Button>
    </SectionMessage>
  );
}

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

export function LoadError({ message, onRetry }: { message: string; onRetry: () => void }) {
  return (
    <SectionMessage appearance="error" title="Attest could not load this">
      <Text>{message}</Text>
      <Button onClick={onRetry}>Try again</Button>
    </SectionMessage>
  );
}

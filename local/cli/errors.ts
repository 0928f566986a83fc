/** An error the CLI reports as one line on stderr with its exit code (docs/interfaces.md: 2 usage, 3 API). */
export class CliError extends Error {
  constructor(
    readonly code: 2 | 3,
    message: string,
  ) {
    super(redactCredentials(message));
  }
}

/** URLs with credentials in them (`https://user:password@host`) lose the credentials in every message. */
export function redactCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@]+@/gi, '$1***@');
}

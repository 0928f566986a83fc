/** An error the CLI reports as one line on stderr with its exit code (interfaces.md: 2 usage, 3 API). */
export class CliError extends Error {
  constructor(
    readonly code: 2 | 3,
    message: string,
  ) {
    super(message);
  }
}

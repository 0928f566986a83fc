/**
 * A small structured logger. Messages are static; variables go in the metadata, so log search works and
 * nothing user-controlled is interpolated into the message. Never pass tokens or pull-request content.
 * Forge collects console output per invocation (`forge logs`).
 */
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

type Level = 'debug' | 'info' | 'warn' | 'error';

export interface LogSink {
  (level: Level, message: string, fields: LogFields): void;
}

const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

function consoleSink(level: Level, message: string, fields: LogFields): void {
  // Read per call, never cached: ATTEST_LOG_LEVEL=silent|error|warn|info|debug (tests and the CLI set it).
  const threshold = process.env.ATTEST_LOG_LEVEL;
  if (threshold === 'silent' || (threshold && threshold in LEVELS && LEVELS[level] < LEVELS[threshold as Level])) return;
  const line = JSON.stringify({ level, message, ...fields });
  if (level === 'error') console.error(line);
  else if (level === 'warn') console.warn(line);
  else if (level === 'debug') console.debug(line);
  else console.info(line);
}

/** Built per invocation with its correlation fields (workspace, repository, pull request, trigger). */
export function createLogger(fields: LogFields = {}, sink: LogSink = consoleSink): Logger {
  const emit =
    (level: Level) =>
    (message: string, extra: LogFields = {}) =>
      sink(level, message, { ...fields, ...extra });
  return {
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
    child: (more) => createLogger({ ...fields, ...more }, sink),
  };
}

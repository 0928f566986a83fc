/** For the commands that serve until stopped (`emulator`, `preview`): resolves on Ctrl-C, SIGTERM or the signal. */
export function untilInterrupted(signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop);
  });
}

/** Runs the real `attest` bin in a child process, as a person would. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Writable } from 'node:stream';
import { CliError } from '../../local/cli/errors';

export const ROOT = path.resolve(__dirname, '..', '..');
export const BIN = path.join(ROOT, 'bin', 'attest.js');

export function runAttest(
  args: string[],
  env: Record<string, string> = {},
  cwd = ROOT,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A stream that keeps what is written to it, for a command run in this process. */
export function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/** A command's `run…Command(argv, io)`, as local/cli/main.ts calls it. */
export type InProcessCommand = (
  argv: readonly string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env: NodeJS.ProcessEnv },
) => Promise<number>;

/** Runs a command in this process: its exit code and output, a usage or credentials error as main.ts reports it. */
export async function runInProcess(command: InProcessCommand, args: string[], env: NodeJS.ProcessEnv = { BITBUCKET_TOKEN: 't' }) {
  const [stdout, stderr] = [sink(), sink()];
  try {
    const code = await command(args, { stdout: stdout.stream, stderr: stderr.stream, env });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  } catch (error) {
    if (error instanceof CliError) return { code: error.code, stdout: stdout.text(), stderr: error.message };
    throw error;
  }
}

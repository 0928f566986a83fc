/**
 * `attest emulator` as a person runs it: the real bin, a real process, a real socket.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'attest.js');

describe('attest emulator', () => {
  it('serves the demo seed and prints its base URL and workspaces', async () => {
    const child = spawn(process.execPath, [BIN, 'emulator', '--port', '0', '--seed', 'demo'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const lines = readline.createInterface({ input: child.stdout! });
      const seen: string[] = [];
      for await (const line of lines) {
        seen.push(line);
        if (seen.length === 2) break;
      }
      expect(seen[0]).toMatch(/^Bitbucket emulator listening on http:\/\/127\.0\.0\.1:\d+$/);
      expect(seen[1]).toBe('workspace acme {7d4e3c2b-1a09-4f8e-9d6c-5b4a39281706}');
      const base = seen[0]!.replace('Bitbucket emulator listening on ', '');
      const response = await fetch(`${base}/2.0/repositories/acme?pagelen=100`, { headers: { authorization: 'Bearer anything' } });
      const body = (await response.json()) as { size: number; values: Array<{ full_name: string }> };
      expect(response.status).toBe(200);
      expect(body.size).toBe(44);
      expect(body.values.map((repo) => repo.full_name)).toContain('acme/payments-api');
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('exits 2 with one clear line for a bad seed or port', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('close', (code) => resolve({ code, stderr }));
      });
    expect(await run(['emulator', '--seed', '/no/such/seed.json'])).toEqual({
      code: 2,
      stderr: expect.stringContaining('cannot read seed /no/such/seed.json'),
    });
    expect(await run(['emulator', '--port', 'eighty'])).toEqual({
      code: 2,
      stderr: 'attest: --port must be a port number, not "eighty"\n',
    });
    expect((await run(['frobnicate'])).code).toBe(2);
  });
});

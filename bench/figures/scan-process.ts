import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoSeed } from '../../local/emulator/seeds';
import { ROOT, sandbox, type Figure } from '../sandbox';

/** `attest scan` of the demo seed as a process: wall time and peak memory (GNU time's %M, in KiB). */
export async function scanProcess(): Promise<Figure> {
  const bin = path.join(ROOT, 'bin', 'attest.js');
  const s = await sandbox(demoSeed());
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'attest-bench-'));
  const args = [
    bin,
    'scan',
    '--workspace',
    'acme',
    '--base-url',
    s.emulator.url,
    '--format',
    'json',
    '--out',
    path.join(state, 'out.json'),
    '--state-dir',
    state,
  ];
  const env = { ...process.env, BITBUCKET_TOKEN: 'bench-scan' };
  const timed = fs.existsSync('/usr/bin/time');
  const started = performance.now();
  // Asynchronously: the emulator answering the scan runs in this process.
  const run = await new Promise<{ status: number | null; stderr: string }>((resolve) => {
    const child = timed ? spawn('/usr/bin/time', ['-f', '%M', process.execPath, ...args], { env }) : spawn(process.execPath, args, { env });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (status) => resolve({ status, stderr }));
  });
  const wall = (performance.now() - started) / 1000;
  await s.emulator.close();
  const peakKb = timed ? Number(run.stderr.trim().split('\n').pop()) || 0 : 0;
  return {
    figure: '`attest scan` of the demo seed (44 repositories): wall time and peak memory of the process',
    value: `${wall.toFixed(1)} s wall; peak RSS ${peakKb ? `${(peakKb / 1024).toFixed(0)} MB` : 'not measured (no /usr/bin/time)'}; exit ${run.status}`,
    target: 'stated',
    data: { wallSeconds: wall, peakRssMb: peakKb / 1024, exit: run.status },
  };
}

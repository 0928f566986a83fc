import { generateWorkspace } from '../../local/emulator/seeds';
import { kvsPeaks, sandbox, storedRepositories, type Figure } from '../sandbox';

/**
 * Simulated time until every repository of a generated workspace has been evaluated once, measured from the
 * install to the last repository's `evaluatedAt` (the simulation runs hour by hour; the figure is exact).
 */
export async function hoursToFullPass(size: number): Promise<Figure> {
  // KVS limits are counted, not enforced, so the figure shows how close the run comes to them.
  const s = await sandbox(generateWorkspace(size), { kvs: { rateLimits: 'count' } });
  const started = performance.now();
  const installedAt = s.clock.now();
  await s.runtime.install(s.ws.uuid);
  const records = () => storedRepositories(s);
  let simulatedHours = 0;
  while (records().filter((record) => record.evaluatedAt !== null).length < size && simulatedHours < 200) {
    await s.runtime.runFor(3_600_000);
    simulatedHours++;
  }
  const lastEvaluated = Math.max(
    ...records().map((record) => (record.evaluatedAt ? Date.parse(record.evaluatedAt) : Number.POSITIVE_INFINITY)),
  );
  const hours = (lastEvaluated - installedAt) / 3_600_000;
  // The requests spent until then (the hourly re-plans of later hours are not part of the first pass).
  const requests = s.emulator.log.filter((entry) => entry.at <= lastEvaluated).length;
  const r429 = s.emulator.log.filter((entry) => entry.status === 429).length;
  const kvs = kvsPeaks(s);
  await s.emulator.close();
  const ideal = requests / 800;
  return {
    figure: `Simulated hours until all ${size.toLocaleString('en')} repositories are evaluated once (1,000 requests an hour, budget 800); 429s`,
    value: `${hours.toFixed(2)} h (floor ${ideal.toFixed(2)} h at 800/h; ${(hours / ideal).toFixed(2)} ×); ${r429} × 429; ${requests.toLocaleString('en')} requests; ${((performance.now() - started) / 1000).toFixed(0)} s wall; KVS ${kvs.text}`,
    target: 'within 1.1 × (requests ÷ hourly budget); zero 429s; KVS within 4,000 read and write units a minute, batches ≤ 4 MB',
    data: { size, hours, requests, r429, ideal, ratio: hours / ideal, wallSeconds: (performance.now() - started) / 1000, kvs: kvs.data },
  };
}

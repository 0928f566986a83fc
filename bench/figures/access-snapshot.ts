import { generateWorkspace } from '../../local/emulator/seeds';
import { sandbox, type Figure } from '../sandbox';

/**
 * An access review's snapshot at `size` repositories: Bitbucket requests (per 100 repositories), simulated hours
 * until the review opens (the snapshot shares the hour's scan budget), and the KVS bytes the snapshot keeps.
 */
export async function accessSnapshot(size: number): Promise<Figure> {
  const s = await sandbox(generateWorkspace(size, 0), { kvs: { rateLimits: 'count' } });
  const owner = s.emulator.seed.users[0]!.accountId;
  const started = s.clock.now();
  const answer = (await s.runtime.resolve(
    'compliance-dashboard',
    'access-review/start',
    { projects: null, dueOn: '2026-12-31', owner, reviewersByProject: {} },
    { workspaceUuid: s.ws.uuid, accountId: owner },
  )) as { ok: boolean; data?: { id: string } };
  if (!answer.ok || !answer.data) throw new Error('the review did not start');
  const id = answer.data.id;
  const kvs = s.runtime.installation(s.ws.uuid).kvs;
  const isOpen = () => (kvs.dump()[`v1:ar:${id}`] as { state?: string } | undefined)?.state === 'open';
  for (let hour = 0; hour < 200 && !isOpen(); hour++) await s.runtime.runFor(3_600_000);
  const hours = (s.clock.now() - started) / 3_600_000;
  const requests = s.emulator.log.filter((entry) =>
    /permissions|deploy-keys|projects|members|\/repositories\/[^/]+$/.test(entry.path),
  ).length;
  const entries = Object.entries(kvs.dump()).filter(([key]) => key.startsWith(`v1:ar:${id}`));
  const bytes = entries.reduce((sum, [, value]) => sum + Buffer.byteLength(JSON.stringify(value)), 0);
  const items = (kvs.dump()[`v1:ar:${id}`] as { snapshot?: { items: number } }).snapshot?.items ?? 0;
  await s.emulator.close();
  return {
    figure: `Access-review snapshot at ${size.toLocaleString('en')} repositories: Bitbucket requests, simulated hours until the review opens, KVS kept`,
    value: `${requests} requests (${((requests / size) * 100).toFixed(0)} per 100 repositories); open after ${hours.toFixed(0)} h; ${items} items in ${entries.length} KVS values, ${(bytes / 1024).toFixed(0)} KiB (largest value ${(Math.max(...entries.map(([, v]) => Buffer.byteLength(JSON.stringify(v)))) / 1024).toFixed(0)} KiB)`,
    target: 'stated; each KVS value well under 240 KiB; read within the hourly budget',
    data: { size, requests, hours, items, values: entries.length, bytes },
  };
}

/**
 * Repository access as Bitbucket grants it, over real HTTP with each person's own credential: a private
 * repository only through a repository, project or group grant (or as a workspace owner); membership alone
 * reads nothing private; public repositories are readable by anyone; listings show only what the person
 * can read; the permissions list filters by `permission` only.
 */
import { SimClock } from '../runtime/clock';
import { BitbucketEmulator } from './server';
import { DEMO_NOW, demoSeed } from './seeds';
import { withPeople } from '../../test/builders/credentials';

describe('emulator access', () => {
  let emulator: BitbucketEmulator;
  beforeAll(async () => {
    emulator = new BitbucketEmulator(withPeople(demoSeed()).seed, new SimClock(DEMO_NOW));
    await emulator.listen();
  });
  afterAll(() => emulator.close());

  const as = (index: number) => ({ authorization: `Bearer user-${emulator.seed.users[index]!.accountId}` });
  const status = async (path: string, index: number) => (await fetch(`${emulator.url}${path}`, { headers: as(index) })).status;
  const ws = () => emulator.seed.workspaces[0]!;
  const repoIn = (project: string, isPrivate = true) =>
    ws().repositories.find((repo) => repo.projectKey === project && repo.isPrivate === isPrivate)!;

  // [who, seed index, can read a private CORE repository, can read a private PAY repository, administers a CORE one]
  const PEOPLE: Array<[string, number, number, number, number]> = [
    ['Ada, a workspace owner', 0, 200, 200, 200],
    ['Barbara, in developers and payments', 4, 200, 200, 403],
    ['Leslie, a member only in payments', 9, 403, 200, 403],
    ['Radia, a member in no group', 11, 403, 403, 403],
  ];

  it.each(PEOPLE)('%s', async (_who, index, core, pay, adminCore) => {
    const coreRepo = repoIn('CORE');
    const payRepo = repoIn('PAY');
    expect(await status(`/2.0/repositories/acme/${coreRepo.slug}`, index)).toBe(core);
    expect(await status(`/2.0/repositories/acme/${payRepo.slug}`, index)).toBe(pay);
    expect(await status(`/2.0/repositories/acme/${coreRepo.slug}/branch-restrictions`, index)).toBe(core === 403 ? 403 : adminCore);
  });

  it('lists to a person only the repositories they can read, public ones included', async () => {
    const listed = async (index: number, query = '') => {
      const response = await fetch(`${emulator.url}/2.0/repositories/acme?pagelen=100${query}`, { headers: as(index) });
      return ((await response.json()) as { values: Array<{ slug: string }> }).values.map((repo) => repo.slug).sort();
    };
    const all = ws()
      .repositories.map((repo) => repo.slug)
      .sort();
    const publicOnes = ws()
      .repositories.filter((repo) => !repo.isPrivate)
      .map((repo) => repo.slug);
    expect(await listed(0)).toEqual(all);
    expect(await listed(11)).toEqual(publicOnes.sort());
    const leslie = await listed(9);
    expect(leslie).toEqual(
      ws()
        .repositories.filter((repo) => repo.projectKey === 'PAY' || !repo.isPrivate)
        .map((repo) => repo.slug)
        .sort(),
    );
    expect(await listed(9, '&role=member')).toEqual(
      ws()
        .repositories.filter((repo) => repo.projectKey === 'PAY')
        .map((repo) => repo.slug)
        .sort(),
    );
  });

  it('filters the workspace permissions only by the documented field', async () => {
    const ok = await fetch(`${emulator.url}/2.0/workspaces/acme/permissions?q=${encodeURIComponent('permission="owner"')}`, {
      headers: as(0),
    });
    expect(ok.status).toBe(200);
    const undocumented = await fetch(
      `${emulator.url}/2.0/workspaces/acme/permissions?q=${encodeURIComponent(`user.account_id="${emulator.seed.users[0]!.accountId}"`)}`,
      { headers: as(0) },
    );
    expect(undocumented.status).toBe(400);
  });
});

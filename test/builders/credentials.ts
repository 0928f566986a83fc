/**
 * Emulator credentials for the app and for each person of a seed, and the matching `asUser` tokens for the
 * local runtime: resolvers ask Bitbucket as the calling user, and the emulator answers with that person's
 * permissions (workspace owner, repository admin, member).
 */
import { Seed, type SeedInput } from '../../local/emulator/model';

export const APP_TOKEN = 'app-token';

export function withPeople(input: SeedInput): { seed: SeedInput; users: Record<string, string> } {
  const seed = Seed.parse(input);
  const credentials = [
    { token: APP_TOKEN, label: 'app', admin: true },
    ...seed.users.map((user) => ({ token: `user-${user.accountId}`, label: user.displayName, admin: false, accountId: user.accountId })),
  ];
  const users = Object.fromEntries(seed.users.map((user) => [user.accountId, `Bearer user-${user.accountId}`]));
  return { seed: { ...input, credentials }, users };
}

/**
 * Where the install scan stands, in a sentence: how many repositories are evaluated of how many, and about how
 * long the rest takes at the request budget (the planner's `hoursPerFullPass`, measured from the last
 * evaluations' costs). Shared by the dashboard and the repository card, which both wait for it after install.
 */
export interface ScanProgress {
  evaluated: number;
  repositories: number;
  hoursPerFullPass: number | null;
}

/** "about 2 hours", "about 40 minutes", "a few minutes": a duration as people say it. */
export function about(hours: number): string {
  if (hours < 0.15) return 'a few minutes';
  if (hours < 1) return `about ${Math.max(10, Math.round((hours * 60) / 10) * 10)} minutes`;
  const rounded = hours < 10 ? Math.round(hours * 2) / 2 : Math.round(hours);
  return `about ${rounded} hour${rounded === 1 ? '' : 's'}`;
}

/** Hours until every repository is evaluated once: the share not yet evaluated of a full pass. */
export function hoursLeft(progress: ScanProgress): number | null {
  if (progress.hoursPerFullPass === null || progress.repositories === 0) return null;
  return (progress.hoursPerFullPass * Math.max(0, progress.repositories - progress.evaluated)) / progress.repositories;
}

export function progressStatement(progress: ScanProgress): string {
  const count = (n: number) => n.toLocaleString('en-US');
  if (progress.repositories === 0) return 'Attest is listing the workspace’s repositories.';
  const left = hoursLeft(progress);
  const eta = left === null ? '' : ` — ${about(left)} left at Bitbucket’s rate limit`;
  return `Scanning ${count(progress.evaluated)} of ${count(progress.repositories)} repositories${eta}.`;
}

/**
 * zod schemas of the Bitbucket REST 2.0 responses the app reads, lenient where the live API is: unknown
 * fields are ignored (zod strips them), documented-nullable fields are allowed, and only the fields the
 * app uses are declared. Shapes follow Atlassian's OpenAPI document; the emulator's contract tests
 * validate the same shapes against it.
 */
import { z } from 'zod';

export const Account = z.object({
  uuid: z.string().optional(),
  account_id: z.string().optional(),
  display_name: z.string().optional(),
  nickname: z.string().optional(),
  type: z.string().optional(),
});
export type Account = z.infer<typeof Account>;

export const Repository = z.object({
  uuid: z.string(),
  slug: z.string().optional(),
  name: z.string().optional(),
  full_name: z.string(),
  is_private: z.boolean().optional(),
  mainbranch: z.object({ name: z.string() }).nullish(),
  project: z.object({ key: z.string().optional(), uuid: z.string().optional(), name: z.string().optional() }).nullish(),
  updated_on: z.string().optional(),
  links: z.object({ html: z.object({ href: z.string() }).optional() }).optional(),
});
export type Repository = z.infer<typeof Repository>;

/** The slug is the last part of `full_name` (`workspace/slug`) when the API omits `slug`. */
export function repositorySlug(repository: Repository): string {
  return repository.slug ?? repository.full_name.split('/').pop() ?? repository.full_name;
}

export const Participant = z.object({
  user: Account.nullish(),
  role: z.string().optional(),
  approved: z.boolean().optional(),
  state: z.string().nullish(),
  participated_on: z.string().nullish(),
});
export type Participant = z.infer<typeof Participant>;

export const PullRequest = z.object({
  id: z.number().int(),
  title: z.string().optional(),
  state: z.string(),
  author: Account.nullish(),
  source: z.object({ branch: z.object({ name: z.string() }).partial().nullish(), commit: z.object({ hash: z.string() }).nullish() }).partial(),
  destination: z.object({ branch: z.object({ name: z.string() }).partial().nullish(), commit: z.object({ hash: z.string() }).nullish() }).partial(),
  participants: z.array(Participant).optional(),
  merge_commit: z.object({ hash: z.string() }).nullish(),
  created_on: z.string().optional(),
  updated_on: z.string().optional(),
});
export type PullRequest = z.infer<typeof PullRequest>;

export const CommitStatus = z.object({
  key: z.string(),
  state: z.string(),
  refname: z.string().nullish(),
  name: z.string().nullish(),
  url: z.string().nullish(),
  created_on: z.string().optional(),
  updated_on: z.string().optional(),
});
export type CommitStatus = z.infer<typeof CommitStatus>;

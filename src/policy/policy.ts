/**
 * The workspace policy of docs/controls.md ("Policy"): one zod schema with the documented defaults. Every write
 * is validated against it, and so is every read (an older version of the app may have stored it).
 */
import { z } from 'zod';

export const Classification = z.enum(['production', 'non-production']);
export type Classification = z.infer<typeof Classification>;

const IsoDate = z.string().refine((value) => !Number.isNaN(Date.parse(value)), 'expected an ISO 8601 date');
const AccountId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9:_-]+$/, 'expected an Atlassian account id');

export const DEFAULT_SECURITY_SCANNERS = [
  'snyk',
  'sonarcloud',
  'sonarqube',
  'gitleaks',
  'trivy',
  'grype',
  'semgrep',
  'checkmarx',
  'veracode',
  'mend',
  'dependency-check',
  'owasp',
  'trufflehog',
  'osv-scanner',
] as const;

/**
 * Words that make a Pipelines variable's name look like a secret (BB-CI-5, BB-CI-6): a name matches when one of
 * its words (split at `_`, `-`, `.` and lower-to-upper case changes) is one of these, or one of these plus "S".
 */
export const DEFAULT_SECRET_VARIABLE_WORDS = [
  'TOKEN',
  'SECRET',
  'PASSWORD',
  'PASSWD',
  'PWD',
  'PASS',
  'KEY',
  'APIKEY',
  'CREDENTIAL',
  'CREDS',
  'PRIVATE',
] as const;

export const ClassificationRule = z
  .object({
    project: z.string().min(1).max(64).optional(),
    repository: z.string().min(1).max(128).optional(),
    classification: Classification,
  })
  .refine((rule) => rule.project !== undefined || rule.repository !== undefined, {
    message: 'a rule needs a project key or a repository glob',
  });

export const Attestation = z.object({
  control: z.string().min(1),
  statement: z.string().min(1).max(2000),
  attestedBy: AccountId,
  attestedOn: IsoDate,
  expiresOn: IsoDate,
  evidenceUrl: z.url().max(2000).optional(),
});
export type Attestation = z.infer<typeof Attestation>;

/**
 * An exception's or attestation's id: derived from what it says (FNV-1a of its fields), so ones stored
 * before ids existed get the same id every time, and a revoke names exactly one even when two
 * administrators edit the list at once (a list index would shift under them).
 */
export function itemId(item: Record<string, unknown>): string {
  const text = JSON.stringify(
    Object.keys(item)
      .filter((key) => key !== 'id')
      .sort()
      .map((key) => [key, item[key]]),
  );
  let a = 2166136261;
  let b = 5381;
  for (let i = 0; i < text.length; i++) {
    a = Math.imul(a ^ text.charCodeAt(i), 16777619) >>> 0;
    b = (Math.imul(b, 33) ^ text.charCodeAt(i)) >>> 0;
  }
  return `${a.toString(16).padStart(8, '0')}${b.toString(16).padStart(8, '0')}`;
}

export const PolicyException = z.object({
  control: z.string().min(1),
  repository: z.string().min(1).max(128),
  reason: z.string().min(1).max(2000),
  approvedBy: AccountId,
  expiresOn: IsoDate,
});
export type PolicyException = z.infer<typeof PolicyException>;

export const OffboardedPerson = z.object({
  accountId: AccountId,
  name: z.string().max(200).optional(),
  offboardedOn: IsoDate,
});

export const Policy = z.object({
  minApprovals: z.number().int().min(0).max(10).default(1),
  maxWorkspaceAdmins: z.number().int().min(1).max(1000).default(3),
  minBuildSuccessRate: z.number().min(0).max(1).default(0.9),
  buildWindowDays: z.number().int().min(1).max(365).default(30),
  reviewWindowDays: z.number().int().min(1).max(365).default(90),
  securityScanners: z
    .array(z.string().min(1).max(100))
    .max(100)
    .default([...DEFAULT_SECURITY_SCANNERS]),
  serviceAccounts: z.array(AccountId).max(500).default([]),
  classification: z
    .object({
      repositories: z.record(z.string(), Classification).default({}),
      rules: z.array(ClassificationRule).max(500).default([]),
    })
    .default({ repositories: {}, rules: [] }),
  offboarded: z.array(OffboardedPerson).max(5000).nullable().default(null),
  attestations: z.array(Attestation).max(100).default([]),
  exceptions: z.array(PolicyException).max(1000).default([]),
  disabledControls: z.array(z.string()).max(100).default([]),
  issueKeyPattern: z
    .string()
    .max(200)
    .refine((pattern) => {
      try {
        new RegExp(pattern);
        return true;
      } catch {
        return false;
      }
    }, 'expected a valid regular expression')
    .nullable()
    .default(null),
  protectedBranches: z.array(z.string().min(1).max(200)).max(50).nullable().default(null),
  mergeCheckOnError: z.enum(['block', 'allow']).default('block'),
  /** Count only approvals given after the pull request's latest push (stale approvals approved other code). */
  requireApprovalOfHead: z.boolean().default(true),
  /** BB-VULN-1: the newest security report on the main branch's head is at most this old. */
  maxReportAgeDays: z.number().int().min(1).max(365).default(30),
  /** BB-VULN-2: open critical and high findings allowed on the main branch's head. */
  maxCriticalFindings: z.number().int().min(0).max(100_000).default(0),
  maxHighFindings: z.number().int().min(0).max(100_000).default(0),
  /** BB-CI-5, BB-CI-6: words that make a variable's name look like a secret. */
  secretVariableWords: z
    .array(z.string().regex(/^[A-Za-z0-9]{2,64}$/, 'expected a word of letters and digits'))
    .max(100)
    .default([...DEFAULT_SECRET_VARIABLE_WORDS]),
  /** Write Attest's verdict on open pull requests into protected branches as a Code Insights report. */
  postCodeInsights: z.boolean().default(true),
  /** PR-SECURITY: the pull request's head commit has no FAILED security report (one more request per check). */
  checkPullRequestSecurityReports: z.boolean().default(false),
  /** BB-AC-4: a completed access review at most this many days ago. */
  accessReviewIntervalDays: z.number().int().min(1).max(730).default(90),
  /** BB-AC-3: days a revoke decision has to be carried out before it fails. */
  revokeGraceDays: z.number().int().min(0).max(365).default(14),
  /** BB-AC-5 and the review's validity rule: a deploy key older than this needs re-approval. */
  maxDeployKeyAgeDays: z.number().int().min(1).max(3650).default(365),
  /** Access validity: who may be a workspace owner (empty: the rule is off). */
  accessReviewAdmins: z.array(AccountId).max(100).default([]),
  /** Access validity: direct user grants on production repositories and projects are flagged (groups only). */
  groupsOnlyOnProduction: z.boolean().default(true),
  /** Delivery metrics: an approval this soon after the last push, on a large diff, is a rubber stamp. */
  rubberStampMinutes: z.number().int().min(1).max(1440).default(5),
  /** Delivery metrics: lines added plus removed from which a diff counts as large. */
  largeDiffLines: z.number().int().min(1).max(1_000_000).default(500),
  /** Delivery metrics: source branches whose merge repairs production (change failure rate). */
  hotfixBranches: z.array(z.string().min(1).max(200)).max(50).default(['hotfix/*', 'hotfix-*']),
  /** BB-FLOW-1 (advisory): median time to first review within this many hours; null turns it off. */
  maxReviewHours: z.number().min(0.1).max(720).nullable().default(null),
});
export type Policy = z.infer<typeof Policy>;
export type PolicyInput = z.input<typeof Policy>;

export function defaultPolicy(): Policy {
  return Policy.parse({});
}

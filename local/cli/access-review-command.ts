/**
 * `attest access-review`: `snapshot` reads who can reach a workspace's code (members and their roles, project and
 * repository grants to people and groups, deploy keys) straight from Bitbucket and prints it, with what the
 * policy's access-validity rules say of each; `export --id` prints a review the app keeps (in `--state-dir`) with
 * its decisions. The snapshot is the same one an access review in the app is based on (src/services/access-snapshot.ts).
 */
import { Argument, Option } from 'commander';
import { z } from 'zod';
import { appRequest, createBitbucketClient } from '../../src/bitbucket/client';
import { exportCsv, exportHtml, reviewerFor, suggestionFor } from '../../src/services/access-review';
import { takeSnapshot } from '../../src/services/access-snapshot';
import { createStore } from '../../src/store/store';
import { cliErrorFor, openApp } from './app-session';
import { CliError } from './errors';
import { parseCommand, type Definition } from './program';
import { credentialsFromEnvironment, loadPolicy, writeAtomically } from './scan-command';

export const ACCESS_REVIEW: Definition = {
  name: 'access-review',
  summary: 'who can reach the code (`snapshot`), or a completed access review with its decisions (`export`)',
  define: (command) =>
    command
      .description(
        '`snapshot` reads every member, project and repository grant and deploy key of the workspace from Bitbucket, with ' +
          'what the policy’s access-validity rules suggest for each. `export` prints an access review kept in --state-dir.',
      )
      .addArgument(new Argument('<action>', '`snapshot` or `export`').choices(['snapshot', 'export']))
      .option('--workspace <slug-or-uuid>', 'the workspace')
      .option('--projects <keys>', 'only these projects (comma-separated keys); default: the whole workspace')
      .option('--id <review>', 'the access review to export (ar-…)')
      .option('--base-url <url>', 'the Bitbucket Cloud API', 'https://api.bitbucket.org')
      .option('--config <file>', 'a policy file (docs/examples/policy.json): its access-validity rules')
      .addOption(new Option('--format <format>', 'csv, json, or html (export only)').choices(['csv', 'json', 'html']).default('csv'))
      .option('--out <file>', 'write to a file instead of standard output')
      .option('--state-dir <dir>', 'where the app’s storage is kept between runs', '.attest'),
};

const Flags = z.object({
  args: z.array(z.enum(['snapshot', 'export'])).length(1),
  workspace: z.string({ error: 'is required (a slug or a {uuid})' }).min(1),
  projects: z.string().optional(),
  id: z
    .string()
    .regex(/^ar-[0-9a-f]{12}$/, 'must be an access review id (ar- and 12 hex digits)')
    .optional(),
  baseUrl: z.string(),
  config: z.string().optional(),
  format: z.enum(['csv', 'json', 'html']),
  out: z.string().optional(),
  stateDir: z.string(),
});

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

export async function runAccessReviewCommand(
  argv: readonly string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const flags = parseCommand(ACCESS_REVIEW, argv, Flags, io);
  const authorization = credentialsFromEnvironment(io.env);
  if (!authorization) throw new CliError(2, 'no credentials: set BITBUCKET_TOKEN, or BITBUCKET_EMAIL and BITBUCKET_API_TOKEN');
  const policy = loadPolicy(flags.config);
  const session = await openApp({ baseUrl: flags.baseUrl, authorization, stateDir: flags.stateDir, workspace: flags.workspace });
  const output = flags.args[0] === 'export' ? await exported(session, flags) : await snapshot(session, { ...flags, policy });
  if (flags.out) writeAtomically(flags.out, output.text);
  else io.stdout.write(output.text);
  if (output.gaps > 0)
    io.stderr.write(`attest: ${output.gaps} part${output.gaps === 1 ? '' : 's'} of the workspace could not be read (see "gaps")\n`);
  return output.gaps > 0 ? 3 : 0;
}

type Session = Awaited<ReturnType<typeof openApp>>;

async function snapshot(session: Session, flags: z.infer<typeof Flags> & { policy: ReturnType<typeof loadPolicy> }) {
  if (flags.format === 'html') throw new CliError(2, '--format html is for `export`; a snapshot is csv or json');
  const projects = flags.projects
    ? flags.projects
        .split(',')
        .map((key) => key.trim())
        .filter(Boolean)
    : null;
  const now = new Date();
  let taken;
  try {
    taken = await takeSnapshot(createBitbucketClient({ request: appRequest() }), { workspaceUuid: session.workspace.uuid, projects, now });
  } catch (error) {
    throw cliErrorFor(error, flags.workspace, flags.baseUrl);
  }
  if (flags.format === 'json') return { text: `${JSON.stringify(taken, null, 2)}\n`, gaps: taken.gaps.length };
  const rows = taken.items.map((item) => ({
    item,
    reviewer: '',
    decision: null,
    suggestion: suggestionFor(item, { policy: flags.policy, now }),
  }));
  return { text: exportCsv(rows), gaps: taken.gaps.length };
}

async function exported(session: Session, flags: z.infer<typeof Flags>) {
  if (!flags.id) throw new CliError(2, '--id is required for `export` (the review’s id, ar-…)');
  const id = flags.id;
  return session.runtime.withInstallation(session.workspace.uuid, async () => {
    const store = createStore();
    const review = await store.getReview(id);
    if (!review) throw new CliError(2, `no access review ${id} in ${flags.stateDir}`);
    const [items, decisions, policy, frozen] = await Promise.all([
      store.getItems(review),
      store.getDecisions(id),
      store.getPolicy(),
      store.getFrozen(id),
    ]);
    const now = new Date();
    const rows = items.map((item) => ({
      item,
      reviewer: reviewerFor(review, item),
      decision: decisions.get(item.id) ?? null,
      suggestion: suggestionFor(item, { policy, now }),
    }));
    if (flags.format === 'csv') return { text: exportCsv(rows), gaps: 0 };
    if (flags.format === 'html') return { text: exportHtml(review, rows, frozen?.hash ?? null), gaps: 0 };
    return { text: `${JSON.stringify({ review, frozen: frozen ?? null, rows }, null, 2)}\n`, gaps: 0 };
  });
}

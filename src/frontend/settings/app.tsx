/**
 * Workspace settings (`bitbucket:workspaceSettingsMenuPage`, `useAsConfig`): the policy of docs/controls.md,
 * exceptions, attestations for the two-step-verification controls, and the offboarded list. Every change
 * is validated by the resolver as a whole; an invalid field is named next to it and nothing is saved.
 * Only workspace administrators can save (the resolver asks Bitbucket); others see the values read-only.
 */
import React, { useState } from 'react';
import { z } from 'zod';
import {
  Button,
  DatePicker,
  DynamicTable,
  ErrorMessage,
  Heading,
  Inline,
  Label,
  Lozenge,
  RadioGroup,
  SectionMessage,
  Select,
  Stack,
  Text,
  TextArea,
  Textfield,
} from '@forge/react';
import type { PolicyView, ResolverInput } from '../../contract/resolvers';
import { itemId, Policy } from '../../policy/policy';
import { Loading, LoadError } from '../shared/states';
import { callResolver, useResolver } from '../shared/use-resolver';
import { ClockProvider, PeopleProvider, personElement, useClock, usePeople } from '../shared/people-and-times';
import { day } from '../shared/when';
import { classificationOf, KIND_LABEL, rowsOf, type ClassificationRow, type RowKind } from './classification-rows';

type PolicyData = PolicyView;

/** The field an INVALID_INPUT message names (`minApprovals: …` → `minApprovals`). */
export function fieldOf(message: string): string {
  return (message.split(':')[0] ?? '').split('.')[0]?.trim() ?? '';
}

const textOf = (event: unknown) => String((event as { target?: { value?: string } } | null)?.target?.value ?? '');
const list = (text: string) =>
  text
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter(Boolean);

export function Settings() {
  const { load, reload } = useResolver('policy/get', {});
  if (load.state === 'loading') return <Loading what="the policy" />;
  if (load.state === 'error') return <LoadError message={load.message} code={load.code} onRetry={reload} />;
  return (
    <ClockProvider now={new Date().toISOString()}>
      {/* An administrator's own new exceptions name them: members (administrators only) covers who saves. */}
      <PeopleProvider people={{ ...Object.fromEntries(load.data.members.map((m) => [m.accountId, m.name])), ...load.data.people }}>
        <SettingsBody data={load.data} />
      </PeopleProvider>
    </ClockProvider>
  );
}

/** Saves through a resolver; on success the policy it answers with replaces the one shown. */
/** The outcome of the last save: which save (`key`), and on a refusal the field it names. */
type SaveStatus = { ok: boolean; message: string; field: string | null; key: string };

/** The resolvers the settings page saves through: each answers with the policy as stored. */
type SettingsKey = 'policy/update' | 'exceptions/add' | 'exceptions/revoke' | 'attestations/add' | 'attestations/revoke' | 'offboarded/set';

function useSave(onSaved: (policy: Policy) => void) {
  const [status, setStatus] = useState<SaveStatus | null>(null);
  const save = async <K extends SettingsKey>(key: K, payload: ResolverInput<K>, success: string) => {
    const answer = await callResolver(key, payload);
    if (answer.ok) {
      setStatus({ ok: true, message: success, field: null, key });
      onSaved(answer.data.policy);
    } else {
      setStatus({
        ok: false,
        message: answer.error.message,
        field: answer.error.code === 'INVALID_INPUT' ? fieldOf(answer.error.message) : null,
        key,
      });
    }
  };
  /** A refusal decided here, before anything is sent (a number field that holds no number). */
  const refuse = (key: SettingsKey, field: string, message: string) => setStatus({ ok: false, message, field, key });
  return { status, save, refuse };
}

/** The policy form's fields as text, from the stored policy. */
export function formOf(policy: Policy) {
  return {
    minApprovals: String(policy.minApprovals),
    maxWorkspaceAdmins: String(policy.maxWorkspaceAdmins),
    minBuildSuccessRate: String(policy.minBuildSuccessRate),
    buildWindowDays: String(policy.buildWindowDays),
    reviewWindowDays: String(policy.reviewWindowDays),
    securityScanners: policy.securityScanners.join(', '),
    serviceAccounts: [...policy.serviceAccounts],
    issueKeyPattern: policy.issueKeyPattern ?? '',
    protectedBranches: (policy.protectedBranches ?? []).join(', '),
    disabledControls: [...policy.disabledControls],
    mergeCheckOnError: policy.mergeCheckOnError,
    requireApprovalOfHead: policy.requireApprovalOfHead ? 'yes' : 'no',
    maxReportAgeDays: String(policy.maxReportAgeDays),
    maxCriticalFindings: String(policy.maxCriticalFindings),
    maxHighFindings: String(policy.maxHighFindings),
    secretVariableWords: policy.secretVariableWords.join(', '),
    postCodeInsights: policy.postCodeInsights ? 'yes' : 'no',
    checkPullRequestSecurityReports: policy.checkPullRequestSecurityReports ? 'yes' : 'no',
    accessReviewIntervalDays: String(policy.accessReviewIntervalDays),
    revokeGraceDays: String(policy.revokeGraceDays),
    maxDeployKeyAgeDays: String(policy.maxDeployKeyAgeDays),
    accessReviewAdmins: [...policy.accessReviewAdmins],
    groupsOnlyOnProduction: policy.groupsOnlyOnProduction ? 'yes' : 'no',
    rubberStampMinutes: String(policy.rubberStampMinutes),
    largeDiffLines: String(policy.largeDiffLines),
    hotfixBranches: policy.hotfixBranches.join(', '),
    maxReviewHours: policy.maxReviewHours === null ? '' : String(policy.maxReviewHours),
    classification: rowsOf(policy.classification),
  };
}
type PolicyForm = ReturnType<typeof formOf>;

const NUMBER_FIELDS = [
  'minApprovals',
  'maxWorkspaceAdmins',
  'minBuildSuccessRate',
  'buildWindowDays',
  'reviewWindowDays',
  'maxReportAgeDays',
  'maxCriticalFindings',
  'maxHighFindings',
  'accessReviewIntervalDays',
  'revokeGraceDays',
  'maxDeployKeyAgeDays',
  'rubberStampMinutes',
  'largeDiffLines',
] as const;

/**
 * What `policy/update` is sent, or the field that cannot be sent as it is: a number field that holds no
 * number, or a classification row without its project or repository. The resolver decides the rest (ranges,
 * known ids) and names the field it refuses.
 */
export function policyUpdate(form: PolicyForm): { payload: ResolverInput<'policy/update'> } | { field: string; message: string } {
  const numbers: Partial<Record<(typeof NUMBER_FIELDS)[number], number>> = {};
  for (const field of NUMBER_FIELDS) {
    const value = form[field].trim();
    if (value === '' || Number.isNaN(Number(value))) return { field, message: `${field}: expected a number` };
    numbers[field] = Number(value);
  }
  const classified = classificationOf(form.classification);
  if ('message' in classified) return { field: 'classification', message: classified.message };
  const reviewHours = form.maxReviewHours.trim();
  if (reviewHours !== '' && Number.isNaN(Number(reviewHours)))
    return { field: 'maxReviewHours', message: 'maxReviewHours: expected a number of hours, or nothing to turn BB-FLOW-1 off' };
  return {
    payload: {
      ...numbers,
      securityScanners: list(form.securityScanners),
      serviceAccounts: form.serviceAccounts,
      issueKeyPattern: form.issueKeyPattern.trim() === '' ? null : form.issueKeyPattern,
      protectedBranches: list(form.protectedBranches).length === 0 ? null : list(form.protectedBranches),
      disabledControls: form.disabledControls,
      mergeCheckOnError: form.mergeCheckOnError,
      requireApprovalOfHead: form.requireApprovalOfHead === 'yes',
      secretVariableWords: list(form.secretVariableWords),
      postCodeInsights: form.postCodeInsights === 'yes',
      checkPullRequestSecurityReports: form.checkPullRequestSecurityReports === 'yes',
      accessReviewAdmins: form.accessReviewAdmins,
      groupsOnlyOnProduction: form.groupsOnlyOnProduction === 'yes',
      hotfixBranches: list(form.hotfixBranches),
      maxReviewHours: reviewHours === '' ? null : Number(reviewHours),
      classification: classified.classification,
    },
  };
}

interface FormProps {
  form: PolicyForm;
  setForm: (form: PolicyForm) => void;
  status: SaveStatus | null;
  error: FieldError;
}

type TextField = { [K in keyof PolicyForm]: PolicyForm[K] extends string ? K : never }[keyof PolicyForm];

function PolicyTextFields(props: FormProps) {
  const field = (name: TextField, label: string, help?: string) => textSetting(props, name, { label, ...(help ? { help } : {}) });
  return (
    <>
      {field(
        'minApprovals',
        'Minimum approvals',
        'Approvals from people other than the author that pull requests into main need (BB-CR-1, merge check).',
      )}
      {field('maxWorkspaceAdmins', 'Maximum workspace administrators')}
      {field('minBuildSuccessRate', 'Minimum main-branch build success rate', 'Between 0 and 1, for example 0.9.')}
      {field('buildWindowDays', 'Build window (days)')}
      {field('reviewWindowDays', 'Review window (days)', 'Merged pull requests in this window are sampled for BB-PR-1 and BB-PR-2.')}
      {field('securityScanners', 'Security scanners', 'Comma-separated names looked for in bitbucket-pipelines.yml.')}
      {field('issueKeyPattern', 'Issue-key pattern', 'A regular expression, e.g. [A-Z]+-\\d+. Empty turns the check off.')}
      {field('protectedBranches', 'Protected branches', 'Comma-separated globs; empty means the main branch.')}
      {field('maxReportAgeDays', 'Maximum age of a security report (days)', 'How recent a scanner’s report on the main branch must be.')}
      {field('maxCriticalFindings', 'Open critical findings allowed on the main branch')}
      {field('maxHighFindings', 'Open high findings allowed on the main branch')}
      {field(
        'secretVariableWords',
        'Secret variable words',
        'Comma-separated words; a Pipelines variable whose name has one of them must be secured.',
      )}
    </>
  );
}

/** One text field of the policy form: its label, the value, what it means, and the refusal next to it. */
function textSetting({ form, setForm, status, error }: FormProps, name: TextField, words: { label: string; help?: string }) {
  return (
    <Stack space="space.050" key={name}>
      <Label labelFor={name}>{words.label}</Label>
      <Textfield
        id={name}
        name={name}
        value={form[name]}
        onChange={(event) => setForm({ ...form, [name]: textOf(event) })}
        isInvalid={status?.field === name}
      />
      {words.help ? <Text>{words.help}</Text> : null}
      {error(name)}
    </Stack>
  );
}

/** A yes/no choice of the policy form, as a radio group with the recommended answer named. */
function YesNo(
  props: FormProps & {
    name: 'postCodeInsights' | 'checkPullRequestSecurityReports' | 'groupsOnlyOnProduction';
    label: string;
    yes: string;
    no: string;
  },
) {
  const { form, setForm, error, name } = props;
  return (
    <Stack space="space.050">
      <Label labelFor={name}>{props.label}</Label>
      <RadioGroup
        name={name}
        value={form[name]}
        options={[
          { name, value: 'yes', label: props.yes },
          { name, value: 'no', label: props.no },
        ]}
        onChange={(event) => setForm({ ...form, [name]: textOf(event) === 'no' ? 'no' : 'yes' })}
      />
      {error(name)}
    </Stack>
  );
}

function PullRequestChoices(props: FormProps) {
  return (
    <>
      <YesNo
        {...props}
        name="postCodeInsights"
        label="Show Attest's verdict in each pull request's Reports (Code Insights)"
        yes="Yes (recommended)"
        no="No"
      />
      <YesNo
        {...props}
        name="checkPullRequestSecurityReports"
        label="A failed security scan on the pull request's latest commit"
        yes="Blocks the merge"
        no="Is not checked"
      />
    </>
  );
}

function MergeCheckChoices({ form, setForm, error }: FormProps) {
  return (
    <>
      <Stack space="space.050">
        <Label labelFor="mergeCheckOnError">When Bitbucket cannot be read, the merge check should</Label>
        <RadioGroup
          name="mergeCheckOnError"
          value={form.mergeCheckOnError}
          options={[
            { name: 'mergeCheckOnError', value: 'block', label: 'Block the merge (recommended)' },
            { name: 'mergeCheckOnError', value: 'allow', label: 'Allow the merge' },
          ]}
          onChange={(event) => setForm({ ...form, mergeCheckOnError: textOf(event) === 'allow' ? 'allow' : 'block' })}
        />
        {error('mergeCheckOnError')}
      </Stack>
      <Stack space="space.050">
        <Label labelFor="requireApprovalOfHead">An approval given before the author pushed again</Label>
        <RadioGroup
          name="requireApprovalOfHead"
          value={form.requireApprovalOfHead}
          options={[
            { name: 'requireApprovalOfHead', value: 'yes', label: 'Does not count: it approved other code (recommended)' },
            { name: 'requireApprovalOfHead', value: 'no', label: 'Still counts' },
          ]}
          onChange={(event) => setForm({ ...form, requireApprovalOfHead: textOf(event) === 'no' ? 'no' : 'yes' })}
        />
        {error('requireApprovalOfHead')}
      </Stack>
    </>
  );
}

type Option = { label: string; value: string };
/** What a multi Select hands its onChange: the picked options (anything else picks nothing). */
const Picked = z.array(z.object({ value: z.string() })).catch([]);
const optionValues = (event: unknown): string[] => Picked.parse(event).map((option) => option.value);
/** What a single Select hands its onChange: the picked option, or null. */
const PickedOne = z.object({ value: z.string(), label: z.string().optional() }).nullable().catch(null);
const KIND = z.enum(['repository', 'pattern', 'project']);

/** A searchable multi Select over `options`, showing the form's `field` as picked. */
function MultiPicker(
  props: FormProps & {
    field: 'serviceAccounts' | 'disabledControls' | 'accessReviewAdmins';
    label: string;
    placeholder: string;
    options: Option[];
    help?: string;
  },
) {
  const { form, setForm, error, field, options } = props;
  return (
    <Stack space="space.050">
      <Label labelFor={field}>{props.label}</Label>
      <Select
        inputId={field}
        name={field}
        isMulti
        isSearchable
        placeholder={props.placeholder}
        options={options}
        value={options.filter((option) => form[field].includes(option.value))}
        onChange={(event) => setForm({ ...form, [field]: optionValues(event) })}
      />
      {props.help ? <Text>{props.help}</Text> : null}
      {error(field)}
    </Stack>
  );
}

/** Service accounts picked from the workspace's members by name; an account Attest knows no name for keeps its id. */
/** Access reviews: the validity rules' settings and how long decisions and reviews may take. */
function AccessReviewSettings(props: FormProps & { members: PolicyData['members'] }) {
  const number = (name: 'accessReviewIntervalDays' | 'revokeGraceDays' | 'maxDeployKeyAgeDays', label: string) =>
    textSetting(props, name, { label });
  return (
    <Stack space="space.100">
      <Heading as="h3">Access reviews</Heading>
      {number('accessReviewIntervalDays', 'Review access at least every (days)')}
      {number('revokeGraceDays', 'Days to carry out a revoke decision')}
      {number('maxDeployKeyAgeDays', 'Maximum deploy-key age before re-approval (days)')}
      <MultiPicker
        {...props}
        field="accessReviewAdmins"
        label="Who may be a workspace owner"
        placeholder="Search the workspace's members"
        options={props.members.map((member) => ({ label: member.name, value: member.accountId }))}
        help="Owners not on this list are flagged in access reviews. Empty: the rule is off."
      />
      <YesNo
        {...props}
        name="groupsOnlyOnProduction"
        label="A direct grant to a person on a production repository or project"
        yes="Is flagged: grant through groups"
        no="Is fine"
      />
    </Stack>
  );
}

/** Delivery metrics: what counts as a rubber stamp and as a hotfix, and BB-FLOW-1's threshold (advisory). */
function DeliverySettings(props: FormProps) {
  const field = (name: 'rubberStampMinutes' | 'largeDiffLines' | 'hotfixBranches' | 'maxReviewHours', label: string, help: string) =>
    textSetting(props, name, { label, help });
  return (
    <Stack space="space.100">
      <Heading as="h3">Delivery metrics</Heading>
      {field('rubberStampMinutes', 'Rubber stamp: approved within (minutes) of the last push', 'On a diff at least as large as below.')}
      {field(
        'largeDiffLines',
        'Large diff (lines added and removed)',
        'Attest reads a pull request’s diffstat only when an approval came that quickly.',
      )}
      {field(
        'hotfixBranches',
        'Hotfix branches',
        'Comma-separated globs; merging one (or a revert) into a protected branch marks the last production deployment as a change failure.',
      )}
      {field(
        'maxReviewHours',
        'BB-FLOW-1: median time to first review at most (hours)',
        'Advisory: shown on the Delivery tab, never in the score. Empty turns it off.',
      )}
    </Stack>
  );
}

function PeoplePickers(props: FormProps & { members: PolicyData['members'] }) {
  const people = usePeople();
  const { members, form } = props;
  const options: Option[] = [
    ...members.map((member) => ({ label: member.name, value: member.accountId })),
    ...form.serviceAccounts
      .filter((id) => !members.some((member) => member.accountId === id))
      .map((id) => ({ label: people[id] ?? id, value: id })),
  ];
  return (
    <MultiPicker
      {...props}
      field="serviceAccounts"
      label="Service accounts"
      placeholder="Search the workspace's members"
      options={options}
      help="Accounts allowed on push restrictions without failing BB-BP-5 (deploy bots, release tooling)."
    />
  );
}

/** Controls switched off, picked by title. */
function ControlsPicker(props: FormProps & { controls: PolicyData['controls']; controlIds: string[] }) {
  const options = props.controlIds.map((id) => ({ label: `${props.controls[id]?.title ?? id} (${id})`, value: id }));
  return (
    <MultiPicker
      {...props}
      field="disabledControls"
      label="Disabled controls"
      placeholder="None: every control is checked"
      options={options}
    />
  );
}

const KINDS: RowKind[] = ['project', 'pattern', 'repository'];
const CLASSES = [
  { label: 'production', value: 'production' },
  { label: 'non-production', value: 'non-production' },
] as const;

/** One classification row: what it applies to, which one, and the class; removable. */
function ClassificationRowFields({
  row,
  index,
  change,
  remove,
}: {
  row: ClassificationRow;
  index: number;
  change: (row: ClassificationRow) => void;
  remove: () => void;
}) {
  const kinds = KINDS.map((kind) => ({ label: KIND_LABEL[kind], value: kind }));
  const placeholder = { project: 'Project key, e.g. PAY', pattern: 'A glob, e.g. sandbox-*', repository: 'Repository slug' }[row.kind];
  return (
    <Inline space="space.100" alignBlock="end" shouldWrap>
      <Stack space="space.050">
        <Label labelFor={`class-kind-${index}`}>{`Rule ${index + 1} applies to`}</Label>
        <Select
          inputId={`class-kind-${index}`}
          options={kinds}
          value={kinds.find((option) => option.value === row.kind)}
          onChange={(event) => change({ ...row, kind: KIND.catch(row.kind).parse(PickedOne.parse(event)?.value) })}
        />
      </Stack>
      <Stack space="space.050">
        <Label labelFor={`class-value-${index}`}>{row.project ? `Within project ${row.project}` : 'Which'}</Label>
        <Textfield
          id={`class-value-${index}`}
          name={`class-value-${index}`}
          placeholder={placeholder}
          value={row.value}
          onChange={(event) => change({ ...row, value: textOf(event) })}
        />
      </Stack>
      <Stack space="space.050">
        <Label labelFor={`class-to-${index}`}>Is</Label>
        <Select
          inputId={`class-to-${index}`}
          options={[...CLASSES]}
          value={CLASSES.find((option) => option.value === row.classification)}
          onChange={(event) =>
            change({ ...row, classification: PickedOne.parse(event)?.value === 'non-production' ? 'non-production' : 'production' })
          }
        />
      </Stack>
      <Button onClick={remove}>{`Remove rule ${index + 1}`}</Button>
    </Inline>
  );
}

/** The rows' classification (rows made here always convert; the editor's own are checked by `policyUpdate`). */
function classificationFrom(rows: ClassificationRow[]): Policy['classification'] {
  const converted = classificationOf(rows);
  return 'classification' in converted ? converted.classification : { repositories: {}, rules: [] };
}

/**
 * Day one: nothing is classified, so every repository fails BB-REPO-1 (critical). A rule per project to start
 * from, applied in one step; each can be changed or removed after, in the editor below.
 */
function ProposedRules({ rules, apply }: { rules: PolicyData['proposedRules']; apply: (rows: ClassificationRow[]) => void }) {
  const rows = rules.map((rule): ClassificationRow => ({
    kind: 'project',
    value: rule.project,
    project: null,
    classification: rule.classification,
  }));
  return (
    <SectionMessage appearance="warning" title="No repository is classified yet">
      <Text>
        Every repository fails “Repository is classified” (critical) until it is. From your projects:{' '}
        {rules
          .map(
            (rule) =>
              `${rule.project} (${rule.repositories} ${rule.repositories === 1 ? 'repository' : 'repositories'}) → ${rule.classification}`,
          )
          .join('; ')}
        .
      </Text>
      <Inline>
        <Button appearance="primary" onClick={() => apply(rows)}>
          Apply these rules
        </Button>
      </Inline>
    </SectionMessage>
  );
}

/** The proposal from projects while nothing is classified, then the rows. */
function ClassificationSection(props: FormProps & { proposed: PolicyData['proposedRules']; save: Save }) {
  const { form, setForm, proposed, save } = props;
  const apply = (rows: ClassificationRow[]) => {
    setForm({ ...form, classification: rows });
    void save(
      'policy/update',
      { classification: classificationFrom(rows) },
      'Classification saved: every repository is re-evaluated over the next minutes.',
    );
  };
  return (
    <>
      {form.classification.length === 0 && proposed.length > 0 ? <ProposedRules rules={proposed} apply={apply} /> : null}
      <ClassificationEditor {...props} />
    </>
  );
}

function ClassificationEditor({ form, setForm, error }: FormProps) {
  const rows = form.classification;
  const setRows = (next: ClassificationRow[]) => setForm({ ...form, classification: next });
  return (
    <Stack space="space.100">
      <Heading size="small">Classification</Heading>
      <Text>
        Which repositories are production. Named repositories are checked first, then the rules in order: the first that matches decides. A
        repository no row matches is unclassified and fails BB-REPO-1.
      </Text>
      {rows.length === 0 ? <Text>No rules yet: every repository is unclassified.</Text> : null}
      {rows.map((row, index) => (
        <ClassificationRowFields
          key={`row-${index}`}
          row={row}
          index={index}
          change={(next) => setRows(rows.map((candidate, i) => (i === index ? next : candidate)))}
          remove={() => setRows(rows.filter((_, i) => i !== index))}
        />
      ))}
      <Inline>
        <Button onClick={() => setRows([...rows, { kind: 'project', value: '', project: null, classification: 'production' }])}>
          Add a rule
        </Button>
      </Inline>
      {error('classification')}
    </Stack>
  );
}

function SettingsBody({ data }: { data: PolicyData }) {
  const { controls, controlIds } = data;
  const [policy, setPolicy] = useState(data.policy);
  const { status, save, refuse } = useSave(setPolicy);
  const [form, setForm] = useState(formOf(policy));
  const submit = () => {
    const update = policyUpdate(form);
    if ('field' in update) return refuse('policy/update', update.field, update.message);
    void save('policy/update', update.payload, 'Policy saved. What it changes is re-evaluated over the next minutes.');
  };
  // `key`: which save the error belongs to, when two forms have a field of the same name (expiresOn).
  const error = (field: string, key?: string) =>
    status && !status.ok && status.field === field && (key === undefined || status.key === key) ? (
      <ErrorMessage>{status.message}</ErrorMessage>
    ) : null;
  const props = { form, setForm, status, error };
  return (
    <Stack space="space.300">
      <Heading size="large">Attest compliance settings</Heading>
      {data.redacted ? (
        <SectionMessage appearance="information" title="Shown to workspace administrators only">
          <Text>
            Exceptions, attestations, service accounts and the offboarded list name people, so only workspace administrators see them here.
            Only administrators can change these settings.
          </Text>
        </SectionMessage>
      ) : null}
      {status ? (
        <SectionMessage appearance={status.ok ? 'success' : 'error'} title={status.ok ? 'Saved' : 'Nothing was saved'}>
          <Text>{status.message}</Text>
        </SectionMessage>
      ) : null}
      <Heading size="medium">Policy</Heading>
      <PolicyTextFields {...props} />
      <PeoplePickers {...props} members={data.members} />
      <AccessReviewSettings {...props} members={data.members} />
      <DeliverySettings {...props} />
      <ControlsPicker {...props} controls={controls} controlIds={controlIds} />
      <MergeCheckChoices {...props} />
      <PullRequestChoices {...props} />
      <ClassificationSection {...props} proposed={data.proposedRules} save={save} />
      <Inline>
        <Button appearance="primary" onClick={submit}>
          Save policy
        </Button>
      </Inline>
      {data.redacted ? null : (
        <>
          <Exceptions policy={policy} controls={controls} controlIds={controlIds} save={save} error={error} />
          <Attestations policy={policy} save={save} error={error} />
          <Offboarded policy={policy} members={data.members} save={save} error={error} />
        </>
      )}
    </Stack>
  );
}

/** Expiry dates are in the future: the resolver refuses today or earlier. */
const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

type Save = <K extends SettingsKey>(key: K, payload: ResolverInput<K>, success: string) => Promise<void>;
type FieldError = (field: string, key?: string) => React.ReactElement | null;

function ExceptionTable({ policy, controls, save }: { policy: Policy; controls: PolicyData['controls']; save: Save }) {
  const now = Date.now();
  const { viewer } = useClock();
  const people = usePeople();
  return (
    <>
      {policy.exceptions.length === 0 ? (
        <Text>No exceptions.</Text>
      ) : (
        <DynamicTable
          label="Exceptions"
          head={{
            cells: [
              { key: 'control', content: 'Control' },
              { key: 'repo', content: 'Repository' },
              { key: 'reason', content: 'Reason' },
              { key: 'by', content: 'Approved by' },
              { key: 'until', content: 'Until' },
              { key: 'revoke', content: '' },
            ],
          }}
          rows={policy.exceptions.map((exception, index) => ({
            key: `exception-${index}`,
            cells: [
              { key: 'control', content: controls[exception.control]?.title ?? exception.control },
              { key: 'repo', content: exception.repository },
              { key: 'reason', content: exception.reason },
              { key: 'by', content: personElement(exception.approvedBy, people) },
              {
                key: 'until',
                content:
                  Date.parse(exception.expiresOn) <= now ? (
                    <Lozenge appearance="removed">{`expired ${day(exception.expiresOn, viewer)}`}</Lozenge>
                  ) : (
                    day(exception.expiresOn, viewer)
                  ),
              },
              {
                key: 'revoke',
                content: (
                  <Button onClick={() => void save('exceptions/revoke', { id: itemId(exception) }, 'Exception revoked.')}>Revoke</Button>
                ),
              },
            ],
          }))}
        />
      )}
    </>
  );
}

function ExceptionForm({
  controls,
  controlIds,
  save,
  error,
}: {
  controls: PolicyData['controls'];
  controlIds: string[];
  save: Save;
  error: FieldError;
}) {
  const [draft, setDraft] = useState({ control: '', repository: '', reason: '', expiresOn: '' });
  return (
    <>
      <Heading size="small">Add an exception</Heading>
      <FormField id="exception-control" label="Control" error={error('control', 'exceptions/add')}>
        <Select
          inputId="exception-control"
          name="exception-control"
          placeholder="Choose a control"
          options={controlIds.map((id) => ({ label: `${controls[id]?.title ?? id} (${id})`, value: id }))}
          onChange={(event) => setDraft({ ...draft, control: (event as { value?: string } | null)?.value ?? '' })}
        />
      </FormField>
      <FormField id="exception-repository" label="Repository" error={error('repository', 'exceptions/add')}>
        <Textfield
          id="exception-repository"
          name="exception-repository"
          placeholder="Repository slug, uuid or *"
          value={draft.repository}
          onChange={(event) => setDraft({ ...draft, repository: textOf(event) })}
        />
      </FormField>
      <FormField id="exception-reason" label="Reason" error={error('reason', 'exceptions/add')}>
        <Textfield
          id="exception-reason"
          name="exception-reason"
          placeholder="Why the failure is accepted"
          value={draft.reason}
          onChange={(event) => setDraft({ ...draft, reason: textOf(event) })}
        />
      </FormField>
      <FormField id="exception-expires" label="Expires on" error={error('expiresOn', 'exceptions/add')}>
        <DatePicker
          id="exception-expires"
          name="exception-expires"
          value={draft.expiresOn}
          minDate={tomorrow()}
          placeholder="When it must be looked at again"
          onChange={(value: string) => setDraft({ ...draft, expiresOn: value })}
        />
      </FormField>
      <Inline>
        <Button onClick={() => void save('exceptions/add', draft, 'Exception added.')}>Add exception</Button>
      </Inline>
    </>
  );
}

function Exceptions({
  policy,
  controls,
  controlIds,
  save,
  error,
}: {
  policy: Policy;
  controls: PolicyData['controls'];
  controlIds: string[];
  save: Save;
  error: FieldError;
}) {
  return (
    <Stack space="space.100">
      <Heading size="medium">Exceptions</Heading>
      <Text>An exception keeps a failing result visible as excepted and counts it as met in the score until it expires.</Text>
      <ExceptionTable policy={policy} controls={controls} save={save} />
      <ExceptionForm controls={controls} controlIds={controlIds} save={save} error={error} />
    </Stack>
  );
}

function AttestationTable({ policy, save }: { policy: Policy; save: Save }) {
  const { viewer } = useClock();
  const people = usePeople();
  return (
    <>
      {policy.attestations.length === 0 ? (
        <Text>No attestations.</Text>
      ) : (
        <DynamicTable
          label="Attestations"
          head={{
            cells: [
              { key: 'control', content: 'Control' },
              { key: 'statement', content: 'Statement' },
              { key: 'by', content: 'Attested by' },
              { key: 'until', content: 'Until' },
              { key: 'revoke', content: '' },
            ],
          }}
          rows={policy.attestations.map((attestation) => ({
            key: `attestation-${itemId(attestation)}`,
            cells: [
              { key: 'control', content: attestation.control },
              { key: 'statement', content: attestation.statement },
              {
                key: 'by',
                content: (
                  <Inline space="space.050">
                    {personElement(attestation.attestedBy, people)}
                    <Text>{`on ${day(attestation.attestedOn, viewer)}`}</Text>
                  </Inline>
                ),
              },
              { key: 'until', content: day(attestation.expiresOn, viewer) },
              {
                key: 'revoke',
                content: (
                  <Button onClick={() => void save('attestations/revoke', { id: itemId(attestation) }, 'Attestation revoked.')}>
                    Revoke
                  </Button>
                ),
              },
            ],
          }))}
        />
      )}
    </>
  );
}

type AttestationDraft = { control: 'BB-MFA-1' | 'BB-MFA-2'; statement: string; evidenceUrl: string; expiresOn: string };

/** The evidence link is optional: an empty field is left out rather than sent as an invalid URL. */
function attestationPayload(draft: AttestationDraft): ResolverInput<'attestations/add'> {
  const { control, statement, expiresOn } = draft;
  return { control, statement, expiresOn, ...(draft.evidenceUrl ? { evidenceUrl: draft.evidenceUrl } : {}) };
}

function AttestationForm({ save, error }: { save: Save; error: FieldError }) {
  const [draft, setDraft] = useState<AttestationDraft>({ control: 'BB-MFA-2', statement: '', evidenceUrl: '', expiresOn: '' });
  return (
    <>
      <Heading size="small">Add an attestation</Heading>
      <FormField id="attestation-control" label="Control">
        <Select
          inputId="attestation-control"
          defaultValue={{ label: 'The workspace requires two-step verification (BB-MFA-2)', value: 'BB-MFA-2' }}
          options={[
            { label: 'Every member uses two-step verification (BB-MFA-1)', value: 'BB-MFA-1' },
            { label: 'The workspace requires two-step verification (BB-MFA-2)', value: 'BB-MFA-2' },
          ]}
          onChange={(event) =>
            setDraft({ ...draft, control: (event as { value?: string } | null)?.value === 'BB-MFA-1' ? 'BB-MFA-1' : 'BB-MFA-2' })
          }
        />
      </FormField>
      <FormField id="attestation-statement" label="Statement" error={error('statement', 'attestations/add')}>
        <Textfield
          id="attestation-statement"
          name="attestation-statement"
          placeholder="What was checked, and how"
          value={draft.statement}
          onChange={(event) => setDraft({ ...draft, statement: textOf(event) })}
        />
      </FormField>
      <FormField id="attestation-evidence" label="Evidence link (optional)" error={error('evidenceUrl', 'attestations/add')}>
        <Textfield
          id="attestation-evidence"
          name="attestation-evidence"
          placeholder="https://…"
          value={draft.evidenceUrl}
          onChange={(event) => setDraft({ ...draft, evidenceUrl: textOf(event) })}
        />
      </FormField>
      <FormField id="attestation-expires" label="Expires on" error={error('expiresOn', 'attestations/add')}>
        <DatePicker
          id="attestation-expires"
          name="attestation-expires"
          value={draft.expiresOn}
          minDate={tomorrow()}
          placeholder="When it must be looked at again"
          onChange={(value: string) => setDraft({ ...draft, expiresOn: value })}
        />
      </FormField>
      <Inline>
        <Button onClick={() => void save('attestations/add', attestationPayload(draft), 'Attestation added.')}>Attest</Button>
      </Inline>
    </>
  );
}

function Attestations({ policy, save, error }: { policy: Policy; save: Save; error: FieldError }) {
  return (
    <Stack space="space.100">
      <Heading size="medium">Attestations</Heading>
      <Text>
        Bitbucket's API does not expose whether two-step verification is required, nor (for some members) whether it is on: an administrator
        attests it, with evidence and an expiry date.
      </Text>
      <AttestationTable policy={policy} save={save} />
      <AttestationForm save={save} error={error} />
    </Stack>
  );
}

/** A labelled field with its error under it (the add forms are too wide for one row in a settings page). */
function FormField({ id, label, error, children }: { id: string; label: string; error?: React.ReactNode; children: React.ReactNode }) {
  return (
    <Stack space="space.050">
      <Label labelFor={id}>{label}</Label>
      {children}
      {error ?? null}
    </Stack>
  );
}

type Offboarded = NonNullable<Policy['offboarded']>;
/** The list as the resolver takes it row by row (names kept as the list has them). */
const asPeople = (list: Offboarded) =>
  list.map((person) => ({ accountId: person.accountId, offboardedOn: person.offboardedOn, ...(person.name ? { name: person.name } : {}) }));

/** The offboarded list: each person by name (the list's own, or the one Attest knows), the day they left, and Remove. */
function OffboardedTable({ list, save }: { list: Offboarded; save: Save }) {
  const { viewer } = useClock();
  const people = usePeople();
  if (list.length === 0) return null;
  return (
    <DynamicTable
      label="Offboarded people"
      head={{
        cells: [
          { key: 'who', content: 'Person' },
          { key: 'on', content: 'Offboarded on' },
          { key: 'remove', content: '' },
        ],
      }}
      rows={list.map((person, index) => ({
        key: person.accountId,
        cells: [
          { key: 'who', content: personElement(person.accountId, person.name ? { ...people, [person.accountId]: person.name } : people) },
          { key: 'on', content: day(person.offboardedOn, viewer) },
          {
            key: 'remove',
            content: (
              <Button
                onClick={() =>
                  void save('offboarded/set', { people: asPeople(list.filter((_, i) => i !== index)) }, 'Removed from the offboarded list.')
                }
              >
                Remove
              </Button>
            ),
          },
        ],
      }))}
      rowsPerPage={20}
    />
  );
}

/** Adds one person, picked from the workspace's members, with the day they left. */
function OffboardedAdd({ list, members, save }: { list: Offboarded; members: PolicyData['members']; save: Save }) {
  const [draft, setDraft] = useState<{ accountId: string; name: string; offboardedOn: string }>({
    accountId: '',
    name: '',
    offboardedOn: '',
  });
  const today = new Date().toISOString().slice(0, 10);
  const add = () =>
    save(
      'offboarded/set',
      { people: [...asPeople(list.filter((person) => person.accountId !== draft.accountId)), { ...draft }] },
      'Added to the offboarded list.',
    );
  return (
    <Inline space="space.100" alignBlock="end" shouldWrap>
      <Stack space="space.050">
        <Label labelFor="offboarded-person">Person</Label>
        <Select
          inputId="offboarded-person"
          isSearchable
          placeholder="Search the workspace's members"
          options={members.map((member) => ({ label: member.name, value: member.accountId }))}
          onChange={(event) => {
            const picked = PickedOne.parse(event);
            setDraft({ ...draft, accountId: picked?.value ?? '', name: picked?.label ?? '' });
          }}
        />
      </Stack>
      <Stack space="space.050">
        <Label labelFor="offboarded-on">Offboarded on</Label>
        <DatePicker
          id="offboarded-on"
          name="offboarded-on"
          value={draft.offboardedOn}
          maxDate={today}
          placeholder="The day they left"
          onChange={(value: string) => setDraft({ ...draft, offboardedOn: value })}
        />
      </Stack>
      <Button onClick={() => void add()}>Add to the list</Button>
    </Inline>
  );
}

function Offboarded({ policy, members, save, error }: { policy: Policy; members: PolicyData['members']; save: Save; error: FieldError }) {
  const [csv, setCsv] = useState('');
  const list = policy.offboarded ?? [];
  return (
    <Stack space="space.100">
      <Heading size="medium">Offboarded people</Heading>
      <Text>
        {policy.offboarded === null
          ? 'No offboarded list yet: BB-AC-1 cannot be checked until one is provided.'
          : `${list.length} ${list.length === 1 ? 'person' : 'people'} on the list. Add or remove people one by one, or import a list from your HR system to replace it.`}
      </Text>
      <OffboardedTable list={list} save={save} />
      <OffboardedAdd list={list} members={members} save={save} />
      {error('people')}
      <Label labelFor="offboarded-csv">Import CSV: accountId, name, offboardedOn (one person a line)</Label>
      <TextArea id="offboarded-csv" name="csv" value={csv} onChange={(event) => setCsv(textOf(event))} isMonospaced />
      {error('csv')}
      <Inline>
        <Button onClick={() => void save('offboarded/set', { csv }, 'Offboarded list saved.')}>Import list</Button>
      </Inline>
    </Stack>
  );
}

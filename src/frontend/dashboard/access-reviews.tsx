/**
 * The dashboard's Access reviews tab: the reviews the viewer takes part in (all, for administrators) with their
 * progress, due dates and open items; a form to start one (administrators); and a review page where a reviewer
 * keeps, changes or revokes each access assigned to them (a reason for every revoke or change, and for keeping
 * what a validity rule flags), keeps in bulk what is unchanged since the last review, and where an administrator
 * completes and exports it.
 */
import React, { useState } from 'react';
import { z } from 'zod';
import {
  Button,
  DatePicker,
  DynamicTable,
  Heading,
  Inline,
  Label,
  Lozenge,
  SectionMessage,
  Select,
  Stack,
  Text,
  Textfield,
} from '@forge/react';
import { router } from '@forge/bridge';
import type { ResolverOutput } from '../../contract/resolvers';
import { Loading, LoadError } from '../shared/states';
import { callResolver, useResolver } from '../shared/use-resolver';
import { personElement, timeElement, useClock } from '../shared/people-and-times';

type Reviews = ResolverOutput<'access-review/list'>;
type Review = ResolverOutput<'access-review/get'>;
type Item = Review['items'][number];
const Picked = z.object({ value: z.string() }).nullable().catch(null);
const PickedMany = z.array(z.object({ value: z.string() })).catch([]);
const TextOf = z.object({ target: z.object({ value: z.string() }) }).catch({ target: { value: '' } });

const KIND_WORDS: Record<Item['kind'], string> = {
  member: 'Workspace member',
  'user-grant': 'Direct grant',
  'group-grant': 'Group grant',
  'deploy-key': 'Deploy key',
};

export function AccessReviews() {
  const { load, reload } = useResolver('access-review/list', {});
  const [open, setOpen] = useState<string | null>(null);
  if (load.state === 'loading') return <Loading what="the access reviews" />;
  if (load.state === 'error') return <LoadError message={load.message} code={load.code} onRetry={reload} />;
  if (open) return <ReviewPage id={open} members={load.data.members} back={() => (setOpen(null), reload())} />;
  return (
    <Stack space="space.200">
      <ReviewList data={load.data} open={setOpen} />
      {load.data.admin ? <StartReview data={load.data} started={reload} /> : null}
    </Stack>
  );
}

function ReviewList({ data, open }: { data: Reviews; open: (id: string) => void }) {
  const clock = useClock();
  const people = Object.fromEntries(data.members.map((member) => [member.accountId, member.name]));
  if (data.reviews.length === 0)
    return (
      <SectionMessage appearance="information" title="No access review yet">
        {[<Text key="t">Reviews you take part in appear here.</Text>]}
      </SectionMessage>
    );
  const rows = data.reviews.map((review) => ({
    key: review.id,
    cells: [
      {
        key: 'id',
        content: (
          <Button appearance="subtle" onClick={() => open(review.id)}>
            {review.projects === null ? 'Whole workspace' : review.projects.join(', ')}
          </Button>
        ),
      },
      {
        key: 'state',
        content: (
          <Lozenge appearance={review.state === 'completed' ? 'success' : review.overdue ? 'removed' : 'inprogress'}>
            {review.state === 'completed' ? 'completed' : review.overdue ? 'overdue' : review.state === 'open' ? 'open' : 'reading access'}
          </Lozenge>
        ),
      },
      { key: 'progress', content: <Text>{`${review.decided} of ${review.items} decided`}</Text> },
      { key: 'mine', content: <Text>{review.mine > 0 ? `${review.mine} for you` : '—'}</Text> },
      { key: 'due', content: <Text>{review.dueOn}</Text> },
      { key: 'owner', content: personElement(review.owner, people) },
      { key: 'started', content: timeElement(review.startedAt, clock) },
    ],
  }));
  return (
    <DynamicTable
      caption="Access reviews"
      head={{ cells: ['Scope', 'State', 'Progress', 'Yours', 'Due', 'Owner', 'Started'].map((content) => ({ key: content, content })) }}
      rows={rows}
    />
  );
}

function StartReview({ data, started }: { data: Reviews; started: () => void }) {
  const [projects, setProjects] = useState<string[]>([]);
  const [dueOn, setDueOn] = useState('');
  const [owner, setOwner] = useState<string | null>(null);
  const [payReviewer, setReviewers] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<string | null>(null);
  const members = data.members.map((member) => ({ label: member.name, value: member.accountId }));
  const projectOptions = data.projects.map((project) => ({ label: project.name, value: project.key }));
  const start = async () => {
    if (!owner || !dueOn) return setStatus('Pick an owner and a due date.');
    const answer = await callResolver('access-review/start', {
      projects: projects.length === 0 ? null : projects,
      dueOn,
      owner,
      reviewersByProject: payReviewer,
    });
    if (!answer.ok) return setStatus(answer.error.message);
    setStatus(null);
    started();
  };
  return (
    <Stack space="space.100">
      <Heading as="h3">Start an access review</Heading>
      <Label labelFor="ar-projects">Projects (none picked: the whole workspace)</Label>
      <Select
        inputId="ar-projects"
        isMulti
        options={projectOptions}
        onChange={(event) => setProjects(PickedMany.parse(event).map((o) => o.value))}
      />
      <Label labelFor="ar-owner">Owner (reviews workspace members and completes the review)</Label>
      <Select inputId="ar-owner" isSearchable options={members} onChange={(event) => setOwner(Picked.parse(event)?.value ?? null)} />
      {data.projects.map((project) => (
        <Stack space="space.050" key={project.key}>
          <Label labelFor={`ar-reviewer-${project.key}`}>{`Reviewer for ${project.name} (empty: the owner)`}</Label>
          <Select
            inputId={`ar-reviewer-${project.key}`}
            isClearable
            options={members}
            onChange={(event) => {
              const picked = Picked.parse(event)?.value;
              setReviewers(({ [project.key]: _previous, ...rest }) => (picked ? { ...rest, [project.key]: picked } : rest));
            }}
          />
        </Stack>
      ))}
      <Label labelFor="ar-due">Due on</Label>
      <DatePicker id="ar-due" placeholder="YYYY-MM-DD" onChange={(value: string) => setDueOn(value)} />
      {status ? <SectionMessage appearance="error">{[<Text key="s">{status}</Text>]}</SectionMessage> : null}
      <Inline>
        <Button appearance="primary" onClick={() => void start()}>
          Start the review
        </Button>
      </Inline>
    </Stack>
  );
}

function whatOf(item: Item): string {
  if (item.kind === 'member') {
    const reach = item.reach ? ` — reaches ${item.reach.admin} as admin, ${item.reach.write} to write, ${item.reach.read} to read` : '';
    return `${item.permission}${item.has2fa === false ? ', no two-step verification' : ''}${reach}`;
  }
  if (item.kind === 'deploy-key')
    return `read${item.addedOn ? `, added ${item.addedOn.slice(0, 10)}` : ''}${item.lastUsed ? `, last used ${item.lastUsed.slice(0, 10)}` : ', never used'}`;
  return item.permission;
}

type Act = (answer: Promise<{ ok: boolean; error?: { message: string } }>) => Promise<void>;

interface RowContext {
  people: Record<string, string>;
  setReason: (itemId: string, reason: string) => void;
  decide: (item: Item, decision: 'keep' | 'revoke' | 'change') => void;
}

/** One item as a table row; its controls only for the reviewer it is assigned to, while the review is open. */
function itemRow(item: Item, context: RowContext) {
  const { people } = context;
  const rule = item.suggestion
    ? `${item.suggestion.decision}: ${item.suggestion.reason}`
    : item.unchanged
      ? 'unchanged since the last review'
      : '—';
  const decision = item.decision ? `${item.decision.decision}${item.decision.reason ? `: ${item.decision.reason}` : ''}` : 'undecided';
  return {
    key: item.id,
    cells: [
      { key: 'kind', content: <Text>{KIND_WORDS[item.kind]}</Text> },
      {
        key: 'who',
        content: item.accountId ? personElement(item.accountId, { ...people, [item.accountId]: item.name }) : <Text>{item.name}</Text>,
      },
      { key: 'on', content: <Text>{item.target}</Text> },
      { key: 'what', content: <Text>{whatOf(item)}</Text> },
      { key: 'rule', content: <Text>{rule}</Text> },
      { key: 'reviewer', content: personElement(item.reviewer, people) },
      { key: 'decision', content: <Text>{decision}</Text> },
      {
        key: 'act',
        content: item.canDecide ? (
          <Inline space="space.050">
            <Textfield
              aria-label={`Reason for ${item.name} on ${item.target}`}
              placeholder="Reason (or the change)"
              onChange={(event) => context.setReason(item.id, TextOf.parse(event).target.value)}
            />
            <Button onClick={() => context.decide(item, 'keep')}>Keep</Button>
            <Button onClick={() => context.decide(item, 'change')}>Change</Button>
            <Button appearance="danger" onClick={() => context.decide(item, 'revoke')}>
              Revoke
            </Button>
          </Inline>
        ) : (
          <Text>—</Text>
        ),
      },
    ],
  };
}

function ReviewActions({ review, act, setStatus }: { review: Review; act: Act; setStatus: (status: string | null) => void }) {
  const id = review.review.id;
  const exportAs = async (format: 'csv' | 'json' | 'html') => {
    const answer = await callResolver('access-review/export', { id, format });
    if (answer.ok) await router.open(answer.data.url);
    else setStatus(answer.error.message);
  };
  return (
    <Inline space="space.100">
      {review.review.state === 'open' ? (
        <Button onClick={() => void act(callResolver('access-review/keep-unchanged', { id }))}>
          Keep all unchanged since the last review
        </Button>
      ) : null}
      {review.canComplete ? (
        <Button appearance="primary" onClick={() => void act(callResolver('access-review/complete', { id }))}>
          Complete the review
        </Button>
      ) : null}
      {review.review.state === 'completed'
        ? (['csv', 'json', 'html'] as const).map((format) => (
            <Button key={format} onClick={() => void exportAs(format)}>{`Export ${format.toUpperCase()}`}</Button>
          ))
        : null}
    </Inline>
  );
}

function ReviewSummaryLines({ review }: { review: Review }) {
  const { review: summary, byDecision } = review;
  return (
    <Stack space="space.100">
      <Text>{`Due ${summary.dueOn}${summary.overdue ? ' (overdue)' : ''}. ${summary.decided} of ${summary.items} decided: ${byDecision.keep} kept, ${byDecision.revoke} revoked, ${byDecision.change} changed.`}</Text>
      {review.gaps.length > 0 ? (
        <SectionMessage appearance="warning" title="Not everything could be read">
          {review.gaps.map((gap) => (
            <Text key={gap.what}>{`${gap.what}: ${gap.reason}`}</Text>
          ))}
        </SectionMessage>
      ) : null}
      {summary.hash ? <Text>{`Frozen: sha-256 ${summary.hash}`}</Text> : null}
      {review.followUps.length > 0 ? (
        <Stack space="space.050">
          <Heading as="h4">Revocations to carry out</Heading>
          {review.followUps.map((item) => (
            <Text
              key={`${item.name}-${item.target}`}
            >{`${item.name} on ${item.target}: ${item.goneAt ? `gone (seen ${item.goneAt.slice(0, 10)})` : 'still in place'}`}</Text>
          ))}
        </Stack>
      ) : null}
    </Stack>
  );
}

function ReviewPage({ id, members, back }: { id: string; members: Reviews['members']; back: () => void }) {
  const { load, reload } = useResolver('access-review/get', { id });
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [status, setStatus] = useState<string | null>(null);
  const people = Object.fromEntries(members.map((member) => [member.accountId, member.name]));
  if (load.state === 'loading') return <Loading what="the access review" />;
  if (load.state === 'error') return <LoadError message={load.message} code={load.code} onRetry={reload} />;
  const review = load.data;
  const act: Act = async (answer) => {
    const result = await answer;
    setStatus(result.ok ? null : (result.error?.message ?? 'Attest could not do that.'));
    reload();
  };
  // For a change, the text says what the access should become, and is its reason too.
  const decide = (item: Item, decision: 'keep' | 'revoke' | 'change') => {
    const text = reasons[item.id];
    const entry = {
      itemId: item.id,
      decision,
      ...(text ? { reason: text } : {}),
      ...(decision === 'change' && text ? { change: text } : {}),
    };
    void act(callResolver('access-review/decide', { id, decisions: [entry] }));
  };
  const context: RowContext = { people, setReason: (itemId, reason) => setReasons({ ...reasons, [itemId]: reason }), decide };
  const scope = review.review.projects === null ? 'whole workspace' : review.review.projects.join(', ');
  return (
    <Stack space="space.200">
      <Inline space="space.100" alignBlock="center">
        <Button appearance="subtle" onClick={back}>
          All reviews
        </Button>
        <Heading as="h3">{`Access review: ${scope}`}</Heading>
      </Inline>
      <ReviewSummaryLines review={review} />
      {status ? <SectionMessage appearance="error">{[<Text key="s">{status}</Text>]}</SectionMessage> : null}
      <ReviewActions review={review} act={act} setStatus={setStatus} />
      <DynamicTable
        caption="Access to review"
        head={{
          cells: ['Kind', 'Who or what', 'On', 'Access', 'Rule', 'Reviewer', 'Decision', 'Decide'].map((content) => ({
            key: content,
            content,
          })),
        }}
        rows={review.items.map((item) => itemRow(item, context))}
        rowsPerPage={50}
      />
    </Stack>
  );
}

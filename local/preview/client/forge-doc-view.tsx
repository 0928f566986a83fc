/**
 * The host side of UI Kit, for the preview: turns a ForgeDoc tree (what the @forge/react reconciler sends
 * over the bridge after every commit) back into the Atlassian Design System components UI Kit is built on.
 * Bitbucket does the same on its side of the iframe; its renderer is not public, so the prop mapping here
 * follows the UI Kit component reference (props pass through to the @atlaskit component of the same
 * name) and @forge/react's own transforms (DynamicTable → ContentWrapper{head|rows} > Row > Cell,
 * docs/offline-toolchain.md §7).
 *
 * Handlers cross the bridge as plain data: the app receives `{ target: { value } }` for inputs, the option
 * for a Select and the ISO date for a DatePicker, never a DOM event.
 */
import React, { type ReactNode } from 'react';
import Button, { LinkButton } from '@atlaskit/button/new';
import DynamicTable from '@atlaskit/dynamic-table';
import { DatePicker } from '@atlaskit/datetime-picker';
import { ErrorMessage, Label } from '@atlaskit/form';
import Heading from '@atlaskit/heading';
import Link from '@atlaskit/link';
import Lozenge from '@atlaskit/lozenge';
import Tooltip from '@atlaskit/tooltip';
import { Inline, Stack, Text } from '@atlaskit/primitives';
import { RadioGroup } from '@atlaskit/radio';
import SectionMessage from '@atlaskit/section-message';
import Select from '@atlaskit/select';
import Spinner from '@atlaskit/spinner';
import Tabs, { Tab, TabList, TabPanel } from '@atlaskit/tabs';
import TextArea from '@atlaskit/textarea';
import Textfield from '@atlaskit/textfield';
import { z } from 'zod';
import type { ForgeDoc } from '../../ui/forge-doc';
import type { RenderedType } from './rendered-types';

type Props = Record<string, unknown>;

const RadioOptions = z.array(z.object({ name: z.string().optional(), value: z.string(), label: z.string() }));
const ChartData = z.array(z.record(z.string(), z.unknown()));
type Renderer = (node: ForgeDoc, children: ReactNode) => ReactNode;

const fn = (value: unknown): ((...args: unknown[]) => unknown) | undefined =>
  typeof value === 'function' ? (value as (...args: unknown[]) => unknown) : undefined;
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** What an input's change looks like once it has crossed the bridge. */
function changeEvent(event: { target: { value: string; name?: string; id?: string; checked?: boolean } }): Props {
  const { value, name, id, checked } = event.target;
  return { target: { value, name, id, checked } };
}

/** The props that pass through unchanged, minus the ones the host handles itself. */
function rest(props: Props, ...omit: string[]): Props {
  return Object.fromEntries(Object.entries(props).filter(([key, value]) => !omit.includes(key) && typeof value !== 'function'));
}

function textContent(node: ForgeDoc): string {
  if (node.type === 'String') return String(node.props.text ?? '');
  return (node.children ?? []).map(textContent).join('');
}

function wrapper(node: ForgeDoc, name: string): ForgeDoc | undefined {
  return node.children.find((child) => child.type === 'ContentWrapper' && child.props.name === name);
}

function tableCells(row: ForgeDoc): Array<Props & { key: string | number; content: ReactNode }> {
  return row.children
    .filter((cell) => cell.type === 'Cell')
    .map((cell) => {
      const { cellKey, ...cellProps } = cell.props;
      return {
        ...rest(cellProps),
        key: (typeof cellKey === 'number' ? cellKey : String(cellKey ?? '')) as string | number,
        content: renderChildren(cell.children),
      };
    });
}

// Typed by the list: a type listed without a renderer, or a renderer not listed, does not compile.
const RENDERERS: Record<RenderedType, Renderer> = {
  Root: (_node, children) => <>{children}</>,
  Stack: (node, children) => <Stack {...(rest(node.props) as object)}>{children}</Stack>,
  Inline: (node, children) => <Inline {...(rest(node.props) as object)}>{children}</Inline>,
  Text: (node, children) => (
    <Text as="p" {...(rest(node.props, 'as') as object)}>
      {children}
    </Text>
  ),
  Heading: (node, children) => <Heading size={(str(node.props.size) ?? 'medium') as 'medium'}>{children}</Heading>,
  Lozenge: (node, children) => <Lozenge {...(rest(node.props) as object)}>{children}</Lozenge>,
  Button: (node, children) => (
    <Button {...(rest(node.props, 'onClick') as object)} onClick={() => void fn(node.props.onClick)?.()}>
      {children}
    </Button>
  ),
  LinkButton: (node, children) => (
    <LinkButton {...(rest(node.props, 'href') as object)} href={str(node.props.href) ?? '#'} target="_blank">
      {children}
    </LinkButton>
  ),
  Link: (node, children) => (
    <Link href={str(node.props.href) ?? '#'} target="_blank">
      {children}
    </Link>
  ),
  Label: (node, children) => <Label htmlFor={str(node.props.labelFor) ?? ''}>{children}</Label>,
  ErrorMessage: (_node, children) => <ErrorMessage>{children}</ErrorMessage>,
  Textfield: (node) => (
    <Textfield
      {...(rest(node.props, 'onChange') as object)}
      onChange={(event) => void fn(node.props.onChange)?.(changeEvent(event as unknown as { target: HTMLInputElement }))}
    />
  ),
  TextArea: (node) => (
    <TextArea
      {...(rest(node.props, 'onChange') as object)}
      onChange={(event) => void fn(node.props.onChange)?.(changeEvent(event as unknown as { target: HTMLTextAreaElement }))}
    />
  ),
  Select: (node) => <Select {...(rest(node.props, 'onChange') as object)} onChange={(option) => void fn(node.props.onChange)?.(option)} />,
  DatePicker: (node) => (
    <DatePicker {...(rest(node.props, 'onChange') as object)} onChange={(value) => void fn(node.props.onChange)?.(value)} />
  ),
  RadioGroup: (node) => (
    <RadioGroup
      {...(rest(node.props, 'onChange', 'options') as object)}
      options={RadioOptions.catch([]).parse(node.props.options)}
      onChange={(event) => void fn(node.props.onChange)?.(changeEvent(event as unknown as { target: HTMLInputElement }))}
    />
  ),
  SectionMessage: (node, children) => (
    <SectionMessage {...(rest(node.props) as object)}>
      <Stack space="space.100">{children}</Stack>
    </SectionMessage>
  ),
  Spinner: (node) => <Spinner {...(rest(node.props) as object)} />,
  Tabs: (node, children) => (
    <Tabs id={str(node.props.id) ?? 'tabs'} onChange={(index) => void fn(node.props.onChange)?.(index)}>
      {children}
    </Tabs>
  ),
  TabList: (_node, children) => <TabList>{children}</TabList>,
  Tab: (_node, children) => <Tab>{children}</Tab>,
  TabPanel: (_node, children) => (
    <TabPanel>
      <div style={{ paddingTop: 16, width: '100%' }}>{children}</div>
    </TabPanel>
  ),
  DynamicTable: (node) => {
    const head = wrapper(node, 'head');
    const rows = wrapper(node, 'rows');
    const onSetPage = fn(node.props.onSetPage);
    return (
      <DynamicTable
        {...(rest(node.props, 'onSetPage', 'onSort', 'emptyView') as object)}
        head={head ? { cells: tableCells(head) } : undefined}
        rows={(rows?.children ?? [])
          .filter((row) => row.type === 'Row')
          .map((row) => ({ ...rest(row.props, 'rowKey'), key: String(row.props.rowKey ?? ''), cells: tableCells(row) }))}
        onSetPage={onSetPage ? (page: number) => void onSetPage(page) : undefined}
      />
    );
  },
  // UI Kit's CodeBlock is @atlaskit/code, which UI Kit's own package does not bring: a monospaced block
  // with the same text keeps what matters here (the content, scrollable, copyable).
  CodeBlock: (node) => (
    <pre className="attest-code" data-language={str(node.props.language) ?? 'text'}>
      <code>{str(node.props.text) ?? ''}</code>
    </pre>
  ),
  EmptyState: (node, children) => (
    <div className="attest-empty-state">
      <Heading size="medium">{str(node.props.header) ?? ''}</Heading>
      {str(node.props.description) ? <Text as="p">{str(node.props.description)}</Text> : null}
      {children}
    </div>
  ),
  // UI Kit's charts come from a package that is not on the registry; bars drawn from the same data and
  // accessors show the same figures.
  BarChart: (node) => <BarChart node={node} />,
  LineChart: (node) => <LineChart node={node} />,
  // The design system's tooltip, on hover and on keyboard focus (the wrapped text is made focusable).
  Tooltip: (node, children) => (
    <Tooltip content={str(node.props.content) ?? ''}>
      {(props) => (
        <span {...props} tabIndex={0}>
          {children}
        </span>
      )}
    </Tooltip>
  ),
};

function BarChart({ node }: { node: ForgeDoc }) {
  const data = ChartData.catch([]).parse(node.props.data);
  const x = str(node.props.xAccessor) ?? 'x';
  const y = str(node.props.yAccessor) ?? 'y';
  const max = Math.max(1, ...data.map((entry) => num(entry[y]) ?? 0));
  return (
    <figure className="attest-bar-chart" aria-label={str(node.props.title) ?? 'bar chart'}>
      {str(node.props.title) ? <figcaption>{str(node.props.title)}</figcaption> : null}
      {data.map((entry, index) => {
        const value = num(entry[y]) ?? 0;
        return (
          <div className="attest-bar" key={`${String(entry[x])}-${index}`}>
            <span className="attest-bar-label">{String(entry[x] ?? '')}</span>
            <span className="attest-bar-track">
              <span className="attest-bar-fill" style={{ width: `${(value / max) * 100}%` }} />
            </span>
            <span className="attest-bar-value">{value}</span>
          </div>
        );
      })}
    </figure>
  );
}

const SERIES_COLOURS = ['#1f845a', '#0c66e4', '#c9372c', '#6e5dc6'];

/**
 * UI Kit's LineChart (https://developer.atlassian.com/platform/forge/ui-kit/components/line-chart/): an array of
 * objects, `xAccessor` for the x value, `yAccessor` for y, `colorAccessor` for the series. Drawn as SVG lines.
 */
function LineChart({ node }: { node: ForgeDoc }) {
  const data = ChartData.catch([]).parse(node.props.data);
  const x = str(node.props.xAccessor) ?? 'x';
  const y = str(node.props.yAccessor) ?? 'y';
  const colour = str(node.props.colorAccessor);
  const xs = [...new Set(data.map((entry) => String(entry[x] ?? '')))];
  const groups = [...new Set(data.map((entry) => (colour ? String(entry[colour] ?? '') : '')))];
  const max = Math.max(1, ...data.map((entry) => num(entry[y]) ?? 0));
  const [width, height, pad] = [640, 200, 28];
  const px = (i: number) => pad + (xs.length <= 1 ? 0 : (i * (width - 2 * pad)) / (xs.length - 1));
  const py = (value: number) => height - pad - (value / max) * (height - 2 * pad);
  const title = str(node.props.title);
  return (
    <figure className="attest-line-chart" aria-label={title ?? 'line chart'}>
      {title ? <figcaption>{title}</figcaption> : null}
      <svg viewBox={`0 0 ${width} ${height}`} width={width} height={height} role="img" aria-label={title ?? 'line chart'}>
        <line x1={pad} y1={height - pad} x2={width - pad} y2={height - pad} stroke="#dcdfe4" />
        <text x={4} y={pad}>
          {max}
        </text>
        {xs.map((label, i) =>
          i % Math.ceil(xs.length / 8) === 0 ? (
            <text key={label} x={px(i) - 12} y={height - 8}>
              {label}
            </text>
          ) : null,
        )}
        {groups.map((group, g) => {
          const points = data
            .filter((entry) => (colour ? String(entry[colour] ?? '') : '') === group && num(entry[y]) !== undefined)
            .map((entry) => `${px(xs.indexOf(String(entry[x] ?? '')))},${py(num(entry[y]) ?? 0)}`);
          return (
            <polyline
              key={group}
              points={points.join(' ')}
              fill="none"
              stroke={SERIES_COLOURS[g % SERIES_COLOURS.length]}
              strokeWidth={2}
            />
          );
        })}
      </svg>
      {colour ? (
        <div className="attest-line-legend">
          {groups.map((group, g) => (
            <span key={group} style={{ color: SERIES_COLOURS[g % SERIES_COLOURS.length] }}>
              ● {group}
            </span>
          ))}
        </div>
      ) : null}
    </figure>
  );
}

/** A type this renderer does not know is shown, with its name, never dropped. */
function Unknown({ node, children }: { node: ForgeDoc; children: ReactNode }) {
  return (
    <div className="attest-unknown" data-unknown-type={node.type} role="note">
      <strong>Unknown UI Kit component: {node.type}</strong>
      {children}
    </div>
  );
}

function renderChildren(children: readonly ForgeDoc[] | undefined): ReactNode {
  return (children ?? []).map((child, index) => <ForgeDocView key={child.key ?? index} node={child} />);
}

export function ForgeDocView({ node }: { node: ForgeDoc }): ReactNode {
  if (node.type === 'String') return String(node.props.text ?? '');
  const children = renderChildren(node.children);
  const render = Object.prototype.hasOwnProperty.call(RENDERERS, node.type) ? RENDERERS[node.type as RenderedType] : undefined;
  if (!render) return <Unknown node={node}>{children}</Unknown>;
  // Tab labels and lozenges are plain text in the design system.
  if (node.type === 'Tab' || node.type === 'Lozenge') return render(node, textContent(node));
  return render(node, children);
}

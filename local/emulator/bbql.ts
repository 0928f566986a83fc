/**
 * The subset of Bitbucket's query language (BBQL) the app uses
 * (BB/rest/intro/#filtering): `field op value` with = != ~ !~ > >= < <=, AND, OR, parentheses, quoted
 * strings, numbers, true/false/null and unquoted ISO datetimes; `sort=[-]field`.
 * Field paths are dotted and have no `values.` prefix.
 */
type Value = string | number | boolean | null;

type Node = { type: 'and' | 'or'; left: Node; right: Node } | { type: 'cmp'; field: string; op: string; value: Value };

export class BbqlError extends Error {}

const TOKEN = /\s*(\(|\)|"(?:[^"\\]|\\.)*"|!=|!~|>=|<=|=|~|>|<|[A-Za-z0-9_.:+\-{}]+)/y;

function tokenize(query: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let index = 0;
  while (index < query.length) {
    if (/^\s*$/.test(query.slice(index))) break;
    TOKEN.lastIndex = index;
    const match = TOKEN.exec(query);
    if (!match?.[1]) throw new BbqlError(`Invalid query: unexpected input at ${index}: ${query.slice(index, index + 20)}`);
    tokens.push(match[1]);
    index = TOKEN.lastIndex;
  }
  return tokens;
}

function literal(token: string): Value {
  if (token.startsWith('"')) return JSON.parse(token) as string;
  if (token === 'true') return true;
  if (token === 'false') return false;
  if (token === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
  if (/^\d{4}-\d{2}-\d{2}/.test(token)) return token; // unquoted ISO datetime
  throw new BbqlError(`Invalid query: ${token} is not a value (quote strings)`);
}

export function parseBbql(query: string): Node {
  const tokens = tokenize(query);
  let position = 0;
  const peek = () => tokens[position];
  const take = () => {
    const token = tokens[position++];
    if (token === undefined) throw new BbqlError('Invalid query: unexpected end');
    return token;
  };
  function primary(): Node {
    if (peek() === '(') {
      take();
      const node = or();
      if (take() !== ')') throw new BbqlError('Invalid query: missing )');
      return node;
    }
    const field = take();
    const op = take();
    if (!['=', '!=', '~', '!~', '>', '>=', '<', '<='].includes(op)) throw new BbqlError(`Invalid query: unknown operator ${op}`);
    return { type: 'cmp', field, op, value: literal(take()) };
  }
  function and(): Node {
    let node = primary();
    while (peek()?.toUpperCase() === 'AND') {
      take();
      node = { type: 'and', left: node, right: primary() };
    }
    return node;
  }
  function or(): Node {
    let node = and();
    while (peek()?.toUpperCase() === 'OR') {
      take();
      node = { type: 'or', left: node, right: and() };
    }
    return node;
  }
  const node = or();
  if (position !== tokens.length) throw new BbqlError(`Invalid query: unexpected ${tokens[position]}`);
  return node;
}

export function valueAt(object: unknown, field: string): unknown {
  let current: unknown = object;
  for (const part of field.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function compare(actual: unknown, op: string, expected: Value): boolean {
  if (op === '~' || op === '!~') {
    const contains = typeof actual === 'string' && typeof expected === 'string' && actual.toLowerCase().includes(expected.toLowerCase());
    return op === '~' ? contains : !contains;
  }
  if (op === '=') return actual === expected || (actual === undefined && expected === null);
  if (op === '!=') return !(actual === expected || (actual === undefined && expected === null));
  if (actual === null || actual === undefined || expected === null) return false;
  // Datetimes compare as instants; other strings lexically; numbers numerically.
  const bothDates =
    typeof actual === 'string' && typeof expected === 'string' && /^\d{4}-\d{2}-\d{2}/.test(actual) && /^\d{4}-\d{2}-\d{2}/.test(expected);
  const a = bothDates ? Date.parse(actual as string) : (actual as number | string);
  const b = bothDates ? Date.parse(expected as string) : expected;
  if (op === '>') return a > b;
  if (op === '>=') return a >= b;
  if (op === '<') return a < b;
  return a <= b;
}

export function matches(node: Node, object: unknown): boolean {
  if (node.type === 'cmp') return compare(valueAt(object, node.field), node.op, node.value);
  if (node.type === 'and') return matches(node.left, object) && matches(node.right, object);
  return matches(node.left, object) || matches(node.right, object);
}

export function sortBy<T>(items: T[], sort: string | null): T[] {
  if (!sort) return items;
  const descending = sort.startsWith('-');
  const field = descending ? sort.slice(1) : sort;
  return [...items].sort((x, y) => {
    const a = valueAt(x, field) as string | number | undefined;
    const b = valueAt(y, field) as string | number | undefined;
    const order = a === b ? 0 : a === undefined ? 1 : b === undefined ? -1 : a < b ? -1 : 1;
    return descending ? -order : order;
  });
}

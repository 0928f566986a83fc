/**
 * People by name and times as people read them, the same way in every module: a person's display name with
 * their account id in a tooltip (the id alone only when Attest knows no name), and a relative time ("2 hours
 * ago") or a date in the viewer's locale and time zone, with the exact time in a tooltip.
 */
import React, { createContext, useContext } from 'react';
import { Text, Tooltip, useProductContext } from '@forge/react';
import { exactly, viewerOf, when, type Viewer } from './when';

/** The viewer's locale and zone, and the server's "now" every relative time is measured from. */
export interface Clock {
  viewer: Viewer;
  now: number;
}

const ClockContext = createContext<Clock>({ viewer: viewerOf(null), now: Date.now() });

/** Provides the module's viewer (from Forge's context) and the resolver's `now` to the times below it. */
export function ClockProvider({ now, children }: { now: string; children: React.ReactNode }) {
  const context = useProductContext();
  const parsed = Date.parse(now);
  const clock = { viewer: viewerOf(context ?? null), now: Number.isNaN(parsed) ? Date.now() : parsed };
  return <ClockContext.Provider value={clock}>{children}</ClockContext.Provider>;
}

export function useClock(): Clock {
  return useContext(ClockContext);
}

/**
 * A time as an element without hooks, for table cells: UI Kit's DynamicTable renders cell content inside its own
 * render, so a component with hooks there would change DynamicTable's hook order from one render to the next.
 */
export function timeElement(at: string | null | undefined, clock: Clock, options: { prefix?: string; missing?: string } = {}) {
  const prefix = options.prefix ?? '';
  if (!at) return <Text>{`${prefix}${options.missing ?? 'never'}`}</Text>;
  return (
    <Tooltip content={exactly(at, clock.viewer)}>
      <Text>{`${prefix}${when(at, clock.viewer, clock.now)}`}</Text>
    </Tooltip>
  );
}

/** A time as text: `prefix` then "2 hours ago" (or a date), the exact time on hover. */
export function When({ at, prefix, missing }: { at: string | null | undefined; prefix?: string; missing?: string }) {
  return timeElement(at, useClock(), { ...(prefix ? { prefix } : {}), ...(missing ? { missing } : {}) });
}

/** The same as a plain string, for places that take text only (chart labels, lozenges, sentences). */
export function useWhen(): (at: string | null | undefined) => string {
  const { viewer, now } = useClock();
  return (at) => when(at, viewer, now);
}

const PeopleContext = createContext<Readonly<Record<string, string>>>({});

/** The names a module's answer carried, for the people shown below it (`usePeople`). */
export function PeopleProvider({ people, children }: { people: Readonly<Record<string, string>>; children: React.ReactNode }) {
  return <PeopleContext.Provider value={people}>{children}</PeopleContext.Provider>;
}

/** The names of the module (PeopleProvider), for building cells with `personElement`. */
export function usePeople(): Readonly<Record<string, string>> {
  return useContext(PeopleContext);
}

/** A person as an element without hooks (see `timeElement`): the name, the account id on hover. */
export function personElement(id: string | null | undefined, people: Readonly<Record<string, string>>) {
  if (!id) return <Text>—</Text>;
  const name = people[id];
  if (!name) return <Text>{id}</Text>;
  return (
    <Tooltip content={`Account ${id}`}>
      <Text>{name}</Text>
    </Tooltip>
  );
}

export function nameOf(id: string | null | undefined, people: Readonly<Record<string, string>>): string {
  if (!id) return '—';
  return people[id] ?? id;
}

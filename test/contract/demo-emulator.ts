/** The demo workspace on a listening emulator for a contract suite, with a commit that has statuses. */
import { SimClock } from '../../local/runtime/clock';
import { BitbucketEmulator } from '../../local/emulator/server';
import { DEMO_NOW, demoSeed } from '../../local/emulator/seeds';

export interface DemoEmulator {
  emulator: BitbucketEmulator;
  statusCommit: string;
}

/** Starts it in `beforeAll` and closes it in `afterAll`; the holder is filled once started. */
export function useDemoEmulator(): DemoEmulator {
  const holder = {} as DemoEmulator;
  beforeAll(async () => {
    holder.emulator = new BitbucketEmulator(demoSeed(), new SimClock(DEMO_NOW));
    await holder.emulator.listen();
    holder.statusCommit = holder.emulator.seed.workspaces[0]!.repositories[0]!.statuses[0]!.commit;
  });
  afterAll(() => holder.emulator.close());
  return holder;
}

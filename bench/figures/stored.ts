import { DEMO_NOW } from '../../local/emulator/seeds';
import { REPOSITORY_CONTROLS } from '../../src/controls';
import { Repository } from '../../src/bitbucket/schemas';
import { toRepositoryRecord } from '../../src/services/repository-record';
import { createStore } from '../../src/store/store';
import { type Sandbox } from '../sandbox';

/** Stores every repository of the sandbox's workspace as evaluated (17 passes), as tooling: no scan. */
export async function storeEvaluated(s: Sandbox): Promise<void> {
  const results = REPOSITORY_CONTROLS.map((control) => ({ control: control.id, outcome: 'pass' as const, message: 'ok', evidence: {} }));
  const at = new Date(DEMO_NOW).toISOString();
  await s.runtime.withInstallation(s.ws.uuid, async () => {
    const store = createStore();
    for (const repo of s.ws.repositories) {
      const listed = {
        uuid: repo.uuid,
        slug: repo.slug,
        name: repo.name,
        full_name: `acme/${repo.slug}`,
        is_private: true,
        mainbranch: { name: 'main' },
        project: { key: repo.projectKey },
      };
      const base = toRepositoryRecord(Repository.parse(listed), new Date(DEMO_NOW), 'bench');
      await store.putRepository({ ...base, classification: 'production', score: 100, results, evaluatedAt: at, requests: 8 });
    }
  });
}

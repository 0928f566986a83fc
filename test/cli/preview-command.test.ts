/** `attest preview` as a person runs it: the real bin, a real process; the page, its script and `invoke`. */
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { BIN, runAttest } from '../builders/cli';

describe('attest preview', () => {
  it('prints its URL, serves the page with its script, answers invoke, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [BIN, 'preview', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      let url = '';
      for await (const line of readline.createInterface({ input: child.stdout! })) {
        const match = /^Attest preview: (http:\/\/127\.0\.0\.1:\d+\/)$/.exec(line);
        if (match) {
          url = match[1]!;
          break;
        }
      }
      expect(url).not.toBe('');
      const page = await fetch(`${url}?module=repository-card&repository=ledger`);
      const html = await page.text();
      expect(page.status).toBe(200);
      expect(html).toContain('<script type="module" src="/assets/main.js"></script>');
      const config = JSON.parse(/<script id="attest-preview-config" type="application\/json">(.*?)<\/script>/s.exec(html)![1]!) as {
        module: string;
        repository: string;
        context: { extension: { type: string; repository: { uuid: string } } };
      };
      expect(config).toMatchObject({
        module: 'repository-card',
        repository: 'ledger',
        context: { extension: { type: 'repository-compliance-card' } },
      });
      const script = await fetch(`${url}assets/main.js`);
      expect(script.headers.get('content-type')).toContain('javascript');
      expect((await script.text()).length).toBeGreaterThan(100_000);
      const answer = await fetch(`${url}api/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          module: 'repository-card',
          functionKey: 'repository/get',
          payload: {},
          repository: 'ledger',
          pullRequest: null,
          as: '557058:186a0-demo-0',
        }),
      });
      expect(await answer.json()).toMatchObject({ ok: true, result: { ok: true, data: { repository: { slug: 'ledger' } } } });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 90_000);

  it('exits 2 with one clear line for a bad port or seed', async () => {
    expect(await runAttest(['preview', '--port', 'http'])).toMatchObject({
      code: 2,
      stderr: 'attest: --port must be a port number, not "http"\n',
    });
    expect(await runAttest(['preview', '--seed', '/no/such/seed.json'])).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^attest: .*seed\.json.*\n$/),
    });
  }, 90_000);
});

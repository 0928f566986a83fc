/**
 * The command line's conventions, through the real `attest` bin: every command answers `--help` (exit 0) with
 * usage written from the same definitions its parser uses, `attest --version` prints the package's version, a
 * mistyped option or command is refused by name with a "did you mean" (exit 2).
 */
import fs from 'node:fs';
import path from 'node:path';
import { COMMANDS } from '../../local/cli/main';
import { program } from '../../local/cli/program';
import { ROOT, runAttest } from '../builders/cli';

const packageVersion = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('attest --help and --version', () => {
  test.each(COMMANDS.map((command) => [command.name]))('attest %s --help exits 0 and lists every option the parser takes', async (name) => {
    const { code, stdout } = await runAttest([name, '--help']);
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: attest ${name}`);
    const definition = program(COMMANDS).commands.find((command) => command.name() === name)!;
    expect(definition.options.length).toBeGreaterThan(0);
    for (const option of definition.options) expect(stdout).toContain(option.long!);
  });

  test('attest --help lists every command; attest --version prints the package version', async () => {
    const help = await runAttest(['--help']);
    expect(help.code).toBe(0);
    for (const command of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${command.name}\\b`, 'm'));
    expect(await runAttest(['--version'])).toMatchObject({ code: 0, stdout: `${packageVersion}\n` });
    expect((await runAttest(['help', 'scan'])).stdout).toContain('Usage: attest scan');
  });

  test('a mistyped option or command is named, with a suggestion, and exits 2; no command at all is a usage error', async () => {
    const option = await runAttest(['scan', '--wrkspace', 'acme']);
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("attest: unknown option '--wrkspace'\n(Did you mean --workspace?)");
    const command = await runAttest(['evidnce']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('(Did you mean evidence?)');
    const choice = await runAttest(['scan', '--workspace', 'acme', '--format', 'xml']);
    expect(choice).toMatchObject({ code: 2 });
    expect(choice.stderr).toContain('Allowed choices are table, json, csv, sarif');
    const none = await runAttest([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: attest [options] [command]');
  });
});

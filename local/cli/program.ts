/**
 * The command line's definitions, parsed with commander (https://github.com/tj/commander.js): each command's
 * options are declared once, and the same declaration parses the arguments, writes `attest <command> --help`,
 * refuses an unknown option by name with a "did you mean", and answers `attest --version`. What commander hands
 * back is then checked with zod, like every other boundary of the app.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { z } from 'zod';
import { CliError } from './errors';

/** Where a command writes: standard output for results and help, standard error for messages. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/** Exit without another word: commander has already written the help, the version or the error (`message`). */
export class Answered extends CliError {
  constructor(
    readonly exitCode: 0 | 2,
    message = '',
  ) {
    super(2, message);
  }
}

/** One command: its name, a line for the command list, and its options and arguments. */
export interface Definition {
  name: string;
  summary: string;
  define(command: Command): Command;
}

const PackageJson = z.object({ version: z.string() });

export function version(): string {
  return PackageJson.parse(JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8'))).version;
}

const processIo: CliIo = { stdout: process.stdout, stderr: process.stderr };

/** `attest` with every command declared, answering on `io`; commander's errors are thrown, never exit the process. */
export function program(definitions: readonly Definition[], io: CliIo = processIo): Command {
  const root = new Command('attest')
    .description('Continuous change-management and access-control compliance for Bitbucket Cloud workspaces.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .addHelpText(
      'after',
      '\nAny command: --log-json adds the app’s JSON log lines on stderr.\nExit codes: 0 done, 1 --fail-on met, 2 usage, 3 Bitbucket unreachable or refusing.',
    )
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
      outputError: (text, write) => write(text.replace(/^error: /, 'attest: ')),
    });
  root.addHelpCommand(false);
  for (const definition of definitions) {
    const command = new Command(definition.name).copyInheritedSettings(root).summary(definition.summary);
    root.addCommand(definition.define(command).allowExcessArguments(false));
  }
  return root;
}

/** A commander error as an exit: help and version are answers (0); anything else was a usage error (2). */
function answered(error: unknown): never {
  if (!(error instanceof CommanderError)) throw error;
  const fine = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
  throw new Answered(fine ? 0 : 2, fine ? '' : error.message.replace(/^error: /, ''));
}

/**
 * Parses `argv` (what follows the command's name) as `definition` declares it, and checks the result with
 * `schema`: an option commander accepted but the schema refuses is named in a usage error.
 */
export function parseCommand<S extends z.ZodType>(
  definition: Definition,
  argv: readonly string[],
  schema: S,
  io: CliIo = processIo,
): z.infer<S> {
  const root = program([definition], io);
  let parsed: unknown = null;
  const command = root.commands.find((candidate) => candidate.name() === definition.name);
  command?.action((...args: unknown[]) => {
    const self = args[args.length - 1];
    parsed = self instanceof Command ? { ...self.opts(), args: self.args } : null;
  });
  try {
    root.parse([definition.name, ...argv], { from: 'user' });
  } catch (error) {
    answered(error);
  }
  const checked = schema.safeParse(parsed);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const flag = issue?.path.length ? `--${String(issue.path[0]).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}` : 'options';
    throw new CliError(2, `${flag} ${issue?.message ?? 'is not valid'}`);
  }
  return checked.data;
}

/** `attest`, `attest --help`, `attest --version` and unknown commands: the root program answers them. */
export function answerRoot(definitions: readonly Definition[], argv: readonly string[], io: CliIo = processIo): number {
  try {
    program(definitions, io).parse([...argv], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code) ? 0 : 2;
  }
  return 0;
}

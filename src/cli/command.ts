// What every `latchkey` command is (contract §3.6): a name, its --help text,
// its options for node:util parseArgs, and what it does. A failure the
// operator can act on is a CliError: one line on stderr and a non-zero exit,
// never a stack trace. A command that changes something prints its result as
// the API's JSON on stdout, so scripts can read it.
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const EXIT_FAILED = 1;
/** Wrong command line, or a command this build cannot do yet. */
export const EXIT_USAGE = 2;

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface CommandArgs {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface Command {
  readonly name: string;
  /** One line for `latchkey --help`. */
  readonly summary: string;
  /** The whole `latchkey <name> --help` text. */
  readonly help: string;
  readonly options: Options;
  /** Names of the positional arguments, all required. */
  readonly positionals: readonly string[];
  run(args: CommandArgs): Promise<void>;
}

export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
  }
}

/** parseArgs' own messages run on ("To specify a positional argument…"); the first sentence says it. */
function firstSentence(message: string): string {
  return message.split(/\.\s/)[0]!.replace(/\.$/, '');
}

/** The command's arguments, or 'help' for --help; a wrong command line is a CliError with EXIT_USAGE. */
export function parseCommandArgs(command: Command, argv: string[]): CommandArgs | 'help' {
  const seeHelp = `(see latchkey ${command.name} --help)`;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...command.options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CliError(`${firstSentence((error as Error).message)} ${seeHelp}`, EXIT_USAGE);
  }
  if (parsed.values.help) return 'help';
  const expected = command.positionals;
  if (parsed.positionals.length < expected.length) {
    throw new CliError(`missing <${expected[parsed.positionals.length]}> ${seeHelp}`, EXIT_USAGE);
  }
  if (parsed.positionals.length > expected.length) {
    throw new CliError(`unexpected argument '${parsed.positionals[expected.length]}' ${seeHelp}`, EXIT_USAGE);
  }
  return { values: parsed.values as CommandArgs['values'], positionals: parsed.positionals };
}

/** A command's result, as the API would answer it. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

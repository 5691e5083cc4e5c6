// `latchkey <command>`: finds the command, reads .env, runs it, and turns any
// failure into one line on stderr and an exit code (0 done, 1 failed, 2 wrong
// command line or not supported yet).
import { existsSync, readFileSync } from 'node:fs';
import { CliError, EXIT_FAILED, EXIT_USAGE, parseCommandArgs, type Command } from './command.js';
import { createApiKeyCommand } from './create-api-key.js';
import { loadEnvFile } from './env-file.js';
import { migrate } from './migrate.js';
import { revokeKey } from './revoke-key.js';
import { rotateKey } from './rotate-key.js';
import { serve } from './serve.js';

export const COMMANDS: readonly Command[] = [serve, migrate, rotateKey, revokeKey, createApiKeyCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  const lines = COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`);
  return `Usage: latchkey <command> [options]

Commands:
${lines.join('\n')}

latchkey <command> --help describes one. Every command is configured by the
environment (see .env.example); a .env file in the working directory fills in
variables the environment does not set.
`;
}

function version(): string {
  // package.json is two levels above src/cli/ and three above dist/src/cli/.
  for (const path of ['../../package.json', '../../../package.json']) {
    const url = new URL(path, import.meta.url);
    if (!existsSync(url)) continue;
    const pkg = JSON.parse(readFileSync(url, 'utf8')) as { name?: string; version?: string };
    if (pkg.name === 'latchkey') return String(pkg.version);
  }
  return 'unknown';
}

/** One line, whatever the error: an operator reads it, a log collector keeps it whole. */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ').trim();
}

export async function runCli(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  if (name === '--version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (name === undefined) {
    process.stderr.write(usage());
    return EXIT_USAGE;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    process.stderr.write(`latchkey: unknown command '${name}' (see latchkey --help)\n`);
    return EXIT_USAGE;
  }
  try {
    const args = parseCommandArgs(command, rest);
    if (args === 'help') {
      process.stdout.write(`${command.help}\n`);
      return 0;
    }
    loadEnvFile();
    await command.run(args);
    return 0;
  } catch (error) {
    process.stderr.write(`latchkey ${command.name}: ${oneLine(error)}\n`);
    return error instanceof CliError ? error.exitCode : EXIT_FAILED;
  }
}

#!/usr/bin/env node
// The `latchkey` command (package.json `bin`): serve, migrate, rotate-key,
// revoke-key. See src/cli/run-cli.ts.
import { runCli } from './cli/run-cli.js';

process.exitCode = await runCli(process.argv.slice(2));

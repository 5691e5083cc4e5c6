// `latchkey revoke-key <kid>` (contract §2.6): takes a signing key out of JWKS
// at once. Revoked keys need the signing-key lifecycle, which this build does
// not have yet; the command checks its argument and says so.
import { PATH_PATTERNS } from '../http/validation.js';
import { CliError, EXIT_USAGE, type Command } from './command.js';

export const revokeKey: Command = {
  name: 'revoke-key',
  summary: 'revoke a signing key (not supported yet)',
  help: `Usage: latchkey revoke-key <kid>

Revokes the service's signing key <kid>: it leaves JWKS at once and every
token it signed stops verifying. Not supported by this version yet; to stop
signing with the current key, run latchkey rotate-key --immediate.`,
  options: {},
  positionals: ['kid'],
  async run({ positionals: [kid] }) {
    if (!PATH_PATTERNS.kid.test(kid!)) throw new CliError(`<kid> must match ${PATH_PATTERNS.kid.source}`, EXIT_USAGE);
    throw new CliError('revoking signing keys is not supported yet', EXIT_USAGE);
  },
};

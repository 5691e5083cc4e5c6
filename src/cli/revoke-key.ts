// `latchkey revoke-key <kid>` (§2.6): what POST /manage/signing-keys/{kid}/revoke
// does, from the command line. The key leaves JWKS at once and every token it
// signed stops passing; revoking the current key makes the pending one (or a
// new one) current at once, so the service never stops signing.
import { systemClock } from '../clock.js';
import { PATH_PATTERNS } from '../http/validation.js';
import { revokeSigningKey } from '../signing/lifecycle.js';
import { toSigningKeyResource } from '../signing/signing-key.js';
import { CliError, EXIT_USAGE, printJson, type Command } from './command.js';
import { withStore } from './with-store.js';
import { CLI_WRITE } from './write-context.js';

export const revokeKey: Command = {
  name: 'revoke-key',
  summary: 'revoke a signing key: out of JWKS now, its tokens refused',
  help: `Usage: latchkey revoke-key <kid>

Revokes the service's signing key <kid> (see GET /manage/signing-keys): it
leaves JWKS at once and every token it signed fails introspection and refresh.
Revoking the current key makes the pending key current now, or a new key when
none is pending. Prints the revoked key: {"data":{"kid",…,"status":"revoked"}}.`,
  options: {},
  positionals: ['kid'],
  async run({ positionals: [kid] }) {
    if (!PATH_PATTERNS.kid.test(kid!)) throw new CliError(`<kid> must match ${PATH_PATTERNS.kid.source}`, EXIT_USAGE);
    const result = await withStore((store, config) => revokeSigningKey(store, CLI_WRITE, kid!, config));
    if (!result.ok) throw new CliError(`no signing key ${kid}`);
    printJson({ data: toSigningKeyResource(result.key, systemClock.now()) });
  },
};

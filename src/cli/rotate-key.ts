// `latchkey rotate-key [--immediate]` (§2.6): what POST
// /manage/signing-keys/rotate does, from the command line. The new key is
// pending for SIGNING_KEY_PREPUBLISH_SECONDS (in JWKS, signing nothing), then
// every running service switches to it by itself; with --immediate it signs
// from now on. Either way the old key stays in JWKS until the last token it
// signed has expired.
import { systemClock } from '../clock.js';
import { rotateSigningKey } from '../signing/lifecycle.js';
import { newSigningKey, toSigningKeyResource } from '../signing/signing-key.js';
import { printJson, type Command } from './command.js';
import { withStore } from './with-store.js';
import { CLI_WRITE } from './write-context.js';

export const rotateKey: Command = {
  name: 'rotate-key',
  summary: 'bring in a new signing key (pre-published, or --immediate)',
  help: `Usage: latchkey rotate-key [--immediate]

Creates a new signing key of SESSION_TOKEN_ALG. It is published in JWKS at once
and becomes current SIGNING_KEY_PREPUBLISH_SECONDS later on every running
service, without further action; the old key then stops signing and stays in
JWKS until every token it signed has expired. A key still pending is revoked.
Prints the new key: {"data":{"kid",…,"status":"pending"}}.

Options:
  --immediate   make the new key current now (after a suspected leak, revoke
                the old one too: latchkey revoke-key <kid>)`,
  options: { immediate: { type: 'boolean' } },
  positionals: [],
  async run({ values }) {
    const key = await withStore(async (store, config) => {
      // A database no service has started on yet gets its first key, so the new one has a predecessor.
      await store.signingKeys.ensureCurrent(() => newSigningKey(config, systemClock.now()));
      const created = await rotateSigningKey(store, CLI_WRITE, { immediate: values.immediate === true }, config);
      return toSigningKeyResource(created, systemClock.now());
    });
    printJson({ data: key });
  },
};

// `latchkey rotate-key --immediate`: a new signing key signs from now on; the
// old one stays in JWKS until the last token it signed has expired. Running
// services load the new key through the store's change feed.
//
// Without --immediate the contract (§2.6) pre-publishes the new key for
// SIGNING_KEY_PREPUBLISH_SECONDS before it signs. That needs the signing-key
// lifecycle (pending keys), which this build does not have yet, so the plain
// form refuses rather than silently rotating at once.
import { systemClock } from '../clock.js';
import { rotateSigningKey } from '../signing/keyring.js';
import { toSigningKeyResource } from '../signing/signing-key-resource.js';
import { CliError, EXIT_USAGE, printJson, type Command } from './command.js';
import { withStore } from './with-store.js';

export const rotateKey: Command = {
  name: 'rotate-key',
  summary: 'make a new signing key current (--immediate)',
  help: `Usage: latchkey rotate-key --immediate

Makes a new signing key current at once. The old key stops signing and stays
in JWKS until every token it signed has expired (30 days + 1 minute), so
sessions already issued keep verifying. Running services pick the new key up
on their next request. Prints the new key: {"data":{"kid",…,"status":"current"}}.

Options:
  --immediate   make the new key current now (required: rotation with
                pre-publication is not supported by this version yet)`,
  options: { immediate: { type: 'boolean' } },
  positionals: [],
  async run({ values }) {
    if (!values.immediate) {
      throw new CliError('rotation with pre-publication is not supported yet; --immediate makes a new key current now', EXIT_USAGE);
    }
    const key = await withStore(async (store) => {
      const { kid } = await rotateSigningKey(store, systemClock);
      const created = (await store.signingKeys.all()).find((candidate) => candidate.kid === kid);
      if (!created) throw new Error(`the new signing key ${kid} was not stored`);
      return toSigningKeyResource(created, systemClock.now());
    });
    printJson({ data: key });
  },
};

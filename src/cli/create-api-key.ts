// `latchkey create-api-key` (contract §2.3, §3.6): what POST /manage/api-keys
// does with the root key, from the command line — so an operator can hand a
// customer its key without putting the root key in a shell history. The
// audit event names the command line as the actor.
import { createApiKey, createApiKeyBody, toApiKeyResource } from '../manage/api-keys.js';
import { CliError, EXIT_USAGE, printJson, type Command } from './command.js';
import { withStore } from './with-store.js';
import { CLI_WRITE } from './write-context.js';

// The body field each option fills, for error messages that name the option.
const OPTION_OF: Record<string, string> = { name: '--name', tenantId: '--tenant', projectId: '--project', expiresAt: '--expires-at' };

export const createApiKeyCommand: Command = {
  name: 'create-api-key',
  summary: 'create a management key for a tenant or one project; prints its secret once',
  help: `Usage: latchkey create-api-key --tenant <tenantId> [--project <projectId>] --name <name> [--expires-at <time>]

Creates a management key that reaches only that tenant (or that project of
it), as POST /manage/api-keys does. Prints {"data":{"id","name",…},"secret":"lk_mgmt_…"}:
the secret is shown this once; only its hash is stored.

Options:
  --tenant <tenantId>    the tenant the key may act on (required)
  --project <projectId>  only this project of the tenant
  --name <name>          what the key is for, e.g. "Acme backend" (required)
  --expires-at <time>    when it stops working (RFC 3339, e.g. 2027-12-31T00:00:00Z)`,
  options: {
    tenant: { type: 'string' },
    project: { type: 'string' },
    name: { type: 'string' },
    'expires-at': { type: 'string' },
  },
  positionals: [],
  async run({ values }) {
    for (const required of ['tenant', 'name']) {
      if (values[required] === undefined) throw new CliError(`--${required} is required (see latchkey create-api-key --help)`, EXIT_USAGE);
    }
    const parsed = createApiKeyBody.safeParse({
      name: values.name,
      tenantId: values.tenant,
      projectId: values.project,
      expiresAt: values['expires-at'],
    });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CliError(`${OPTION_OF[String(issue.path[0])] ?? 'input'} ${issue.message}`, EXIT_USAGE);
    }
    const created = await withStore((store) => createApiKey(store, CLI_WRITE, parsed.data));
    if (!created.ok) throw new CliError('--expires-at must be in the future', EXIT_USAGE);
    printJson({ data: toApiKeyResource(created.key), secret: created.secret });
  },
};

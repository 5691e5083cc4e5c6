// Who writes when an operator runs a command: the command line, with no IP and
// no request id (§2.4: actor {"type": "cli"}).
import type { WriteContext } from '../audit/audit-event.js';
import { systemClock } from '../clock.js';

export const CLI_WRITE: WriteContext = { actor: { type: 'cli' }, ip: null, requestId: null, clock: systemClock };

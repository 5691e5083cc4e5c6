// Preloaded into each node of a "started at the same instant" test (nodes.ts):
// `node --import tsx --import ./test/cluster/start-together.ts src/main.ts`.
//
// Loading the service's modules takes a process one to several seconds on a
// busy machine, and by different amounts, so processes spawned together reach
// the database far apart. This loads those modules first (main.ts then finds
// them loaded), says so on stdout, and waits for one line on stdin: the test
// releases every node at once, and they open the database — migrations and
// the first signing key — within milliseconds of each other.
import { createInterface } from 'node:readline';

await Promise.all([
  import('../../src/app.js'),
  import('../../src/config.js'),
  import('../../src/logger.js'),
  import('../../src/services.js'),
  import('../../src/store/open-store.js'),
  import('../../src/store/sqlite/store.js'),
  import('../../src/store/postgres/store.js'),
]);

process.stdout.write(`${JSON.stringify({ msg: 'latchkey start barrier reached', pid: process.pid })}\n`);
const stdin = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => stdin.once('line', () => resolve()));
stdin.close();
process.stdin.destroy();

// The advisory lock keys latchkey takes on PostgreSQL. Each is eight ASCII
// characters read as one bigint: distinct from each other, and unlikely to
// meet another application's keys in a shared database.
function key(name: string): string {
  if (name.length !== 8) throw new Error('an advisory lock name is 8 ASCII letters');
  // As a decimal string: pg sends it as int8 without a JavaScript bigint.
  return Buffer.from(name, 'ascii').readBigInt64BE().toString();
}

export const LOCKS = {
  /** Session lock held while one process applies migrations. */
  migrations: key('latchkey'),
  /** Transaction lock around "is a key current? insert one" and rotation. */
  signingKeys: key('lk:signk'),
  /** Transaction locks that let one node at a time purge each table. */
  purgeSpentChallenges: key('lk:purgS'),
  purgeRateLimits: key('lk:purgR'),
  purgeRevocations: key('lk:purgV'),
  purgeUsedJtis: key('lk:purgJ'),
} as const;

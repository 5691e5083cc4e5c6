// @latchkey/browser: latchkey sessions for browser widgets (contract §6).
export { createLatchkey, type Latchkey, type LatchkeyOptions } from './client.js';
export { LatchkeyError, type LatchkeyErrorDetails } from './errors.js';
export type { Session, SessionStorageLike } from './session-store.js';

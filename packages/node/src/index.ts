// @latchkey/node: checking latchkey session tokens in a widget's backend (contract §6).
export { createVerifier, type VerifiedSession, type Verifier, type VerifierOptions } from './verifier.js';
export { requireSession, type SessionRequest } from './require-session.js';
export { introspect, type IntrospectedSession, type IntrospectOptions } from './introspect.js';
export { LatchkeyIntrospectError, LatchkeyVerifyError, type VerifyErrorCode } from './errors.js';

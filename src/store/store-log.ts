// What a store logs through: a pino logger fits, and tests pass a
// recorder. Nothing the store logs holds a secret (no URL with its password,
// no row contents).
export interface StoreLog {
  info(objOrMessage: unknown, message?: string): void;
  warn(objOrMessage: unknown, message?: string): void;
  error(objOrMessage: unknown, message?: string): void;
}

export const silentLog: StoreLog = { info() {}, warn() {}, error() {} };

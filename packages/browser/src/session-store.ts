// Where a session lives between page loads: localStorage by default, under a
// key per service and app, so a reload and the app's other tabs reuse it.
// Web Locks serialise getting a new session across tabs, so tabs opened
// together make one request, not one each.

export interface Session {
  token: string;
  userId: string;
  authMethod: 'anonymous' | 'authenticated';
  /** The ISO time the service sent. */
  expiresAt: string;
  /** Set when a sign-in fell back to an anonymous session (§3.3): why the customer token was refused. */
  fallbackReason?: string;
}

/** What `storage` must offer: localStorage and sessionStorage do. */
export type SessionStorageLike = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface StoredState {
  session?: Session;
  /** The service asked for proof of work before: solve before asking next time. */
  pow?: boolean;
}

// A session is reused while it has more than this left (§6), so a token is
// never handed out that expires on its way to the widget's backend.
const REUSE_MARGIN_MS = 60_000;

export function usable(session: Session | undefined): session is Session {
  return session !== undefined && Date.parse(session.expiresAt) - Date.now() > REUSE_MARGIN_MS;
}

function memoryStorage(): SessionStorageLike {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
  };
}

function defaultStorage(): SessionStorageLike {
  try {
    // Reading localStorage throws in sandboxed frames and with storage blocked.
    const storage = globalThis.localStorage;
    if (storage) return storage;
  } catch {
    // fall through: sessions then last as long as the page
  }
  return memoryStorage();
}

export interface SessionStore {
  read(): StoredState;
  write(state: StoredState): void;
  /**
   * Runs `task` while no other tab of this app is getting a session. `task` is
   * told whether it had to wait for another tab, whose session may then be
   * on its way to this tab's storage (see settled()).
   */
  exclusive<T>(task: (waitedForAnotherTab: boolean) => Promise<T>): Promise<T>;
  /**
   * Resolves when a session another tab stored has reached this tab, or after `ms`.
   * localStorage is shared between tabs, but a write reaches the other tabs a
   * moment later: after waiting for another tab's lock, its session may not be
   * readable yet.
   */
  settled(ms: number): Promise<void>;
  /** Calls `listener` with each session another tab stores. Returns an unsubscribe function. */
  watch(listener: (session: Session) => void): () => void;
}

export function createSessionStore(key: string, storage: SessionStorageLike | undefined): SessionStore {
  const store = storage ?? defaultStorage();
  const events = typeof addEventListener === 'function';
  const parse = (text: string | null): StoredState => {
    try {
      const state = text ? (JSON.parse(text) as StoredState) : {};
      return state && typeof state === 'object' ? state : {};
    } catch {
      return {};
    }
  };
  const onStorageOfKey = (listener: (event: StorageEvent) => void) => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === key && event.storageArea === store) listener(event);
    };
    addEventListener('storage', onStorage);
    return () => removeEventListener('storage', onStorage);
  };
  return {
    read: () => {
      try {
        return parse(store.getItem(key));
      } catch {
        return {};
      }
    },
    write(state) {
      try {
        if (state.session || state.pow) store.setItem(key, JSON.stringify(state));
        else store.removeItem(key);
      } catch {
        // A full or blocked storage costs a reload its session, nothing more.
      }
    },
    async exclusive<T>(task: (waitedForAnotherTab: boolean) => Promise<T>): Promise<T> {
      const locks = globalThis.navigator?.locks;
      if (!locks) return task(false);
      const busy = Symbol();
      const first = (await locks.request(key, { ifAvailable: true }, (lock) => (lock ? task(false) : busy))) as T | typeof busy;
      return first === busy ? ((await locks.request(key, () => task(true))) as T) : first;
    },
    settled(ms) {
      if (!events) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          stop();
          resolve();
        };
        const timer = setTimeout(done, ms);
        const stop = onStorageOfKey((event) => {
          if (parse(event.newValue).session) done();
        });
      });
    },
    watch(listener) {
      if (!events) return () => {};
      return onStorageOfKey((event) => {
        const { session } = parse(event.newValue);
        if (session && session.token !== parse(event.oldValue).session?.token) listener(session);
      });
    },
  };
}

// The management key lives in this tab's sessionStorage only (§7): never
// localStorage, a cookie or a URL, so closing the tab forgets it and another
// tab must sign in on its own.
const KEY = 'latchkey.manageKey';

export interface Me {
  type: 'root' | 'api_key';
  id?: string;
  name?: string;
  tenantId?: string;
  projectId?: string | null;
  expiresAt?: string | null;
}

export const storedKey = (): string | null => sessionStorage.getItem(KEY);
export const rememberKey = (key: string): void => sessionStorage.setItem(KEY, key);
export const forgetKey = (): void => sessionStorage.removeItem(KEY);

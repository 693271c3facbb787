import { createContext, useContext } from 'react';
import type { Api } from '../api/api';
import type { Account } from '../api/types';
import type { AuthSession } from '../auth/session';
import type { StreamClient } from '../live/stream';

export interface AppContextValue {
  auth: AuthSession;
  api: Api;
  stream: StreamClient;
  account: Account;
  /** Reloads the account (after a change of its own data). */
  reloadAccount: () => Promise<void>;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside a signed-in page');
  return value;
}

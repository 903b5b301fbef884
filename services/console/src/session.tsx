import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiClient } from './api/client';
import { endpoints, type Endpoints } from './api/helmdesk';
import type { User } from './api/types';

export interface Session {
  /** undefined while resuming the tab's session, null when signed out. */
  user: User | null | undefined;
  api: ApiClient;
  hd: Endpoints;
  signIn: (email: string, password: string) => Promise<User>;
  signOut: () => Promise<void>;
  /** A message for the sign-in page (e.g. why the session ended). */
  notice: string | null;
  setNotice: (notice: string | null) => void;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside <SessionProvider>');
  return session;
}

/** The endpoints for pages that only run signed in. */
export function useHd(): Endpoints {
  return useSession().hd;
}

export function useUser(): User {
  const { user } = useSession();
  if (!user) throw new Error('useUser while signed out');
  return user;
}

export function SessionProvider({
  client,
  initialUser,
  children,
}: {
  client: ApiClient;
  /** For tests: start signed in as this user without resuming. */
  initialUser?: User | null;
  children: ReactNode;
}) {
  const [user, setUser] = useState<User | null | undefined>(initialUser);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(
    () =>
      client.onSessionEnd((reason) => {
        setUser(null);
        if (reason === 'expired') setNotice('Your session has expired. Please sign in again.');
      }),
    [client],
  );

  useEffect(() => {
    if (initialUser !== undefined) return;
    let live = true;
    client
      .resume()
      .then((u) => live && setUser(u))
      .catch(() => live && setUser(null));
    return () => {
      live = false;
    };
  }, [client, initialUser]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      const u = await client.login(email, password);
      setNotice(null);
      setUser(u);
      return u;
    },
    [client],
  );

  const signOut = useCallback(async () => {
    await client.logout();
    setUser(null);
    setNotice('You have signed out.');
  }, [client]);

  const value = useMemo<Session>(
    () => ({ user, api: client, hd: endpoints(client), signIn, signOut, notice, setNotice }),
    [user, client, signIn, signOut, notice],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

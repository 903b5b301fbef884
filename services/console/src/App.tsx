import { useEffect, useRef, type ReactNode } from 'react';
import type { Role } from './api/types';
import { ErrorBoundary } from './components/ErrorBoundary';
import { Loading } from './components/bits';
import { Link, matchPath, navigate, usePath } from './lib/router';
import { useSession } from './session';
import { CaseListPage } from './pages/CaseList';
import { CasePage } from './pages/CasePage';
import { AgentHomePage } from './pages/agent/AgentHome';
import { QueuePage } from './pages/agent/Queue';
import { AgentsPage } from './pages/admin/Agents';
import { DeliveriesPage } from './pages/admin/Deliveries';
import { TemplatesPage } from './pages/admin/Templates';
import { UsersPage } from './pages/admin/Users';
import { WebhookDeliveriesPage, WebhooksPage } from './pages/admin/Webhooks';
import { NewCasePage } from './pages/customer/NewCase';
import { RegisterPage, SignInPage } from './pages/auth/SignIn';

interface Route {
  path: string;
  title: string;
  render: (params: Record<string, string>) => ReactNode;
}

const caseRoute: Route = { path: '/cases/:id', title: 'Case', render: (p) => <CasePage id={p.id!} /> };

/** What each role can open; the API decides what they may actually see. */
export const routes: Record<Role, Route[]> = {
  customer: [
    { path: '/', title: 'My cases', render: () => <CaseListPage /> },
    { path: '/cases', title: 'My cases', render: () => <CaseListPage /> },
    { path: '/cases/new', title: 'Open a case', render: () => <NewCasePage /> },
    caseRoute,
  ],
  agent: [
    { path: '/', title: 'My desk', render: () => <AgentHomePage /> },
    { path: '/queue', title: 'Queue', render: () => <QueuePage /> },
    { path: '/cases', title: 'My cases', render: () => <CaseListPage /> },
    caseRoute,
  ],
  admin: [
    { path: '/', title: 'Agents', render: () => <AgentsPage /> },
    { path: '/admin/agents', title: 'Agents', render: () => <AgentsPage /> },
    { path: '/admin/users', title: 'Users', render: () => <UsersPage /> },
    { path: '/admin/cases', title: 'Cases', render: () => <CaseListPage /> },
    { path: '/queue', title: 'Queue', render: () => <QueuePage /> },
    { path: '/admin/deliveries', title: 'Delivery log', render: () => <DeliveriesPage /> },
    { path: '/admin/templates', title: 'Templates', render: () => <TemplatesPage /> },
    { path: '/admin/webhooks', title: 'Webhooks', render: () => <WebhooksPage /> },
    { path: '/admin/webhooks/:id', title: 'Webhook deliveries', render: (p) => <WebhookDeliveriesPage id={p.id!} /> },
    caseRoute,
  ],
};

const nav: Record<Role, { href: string; label: string }[]> = {
  customer: [
    { href: '/', label: 'My cases' },
    { href: '/cases/new', label: 'Open a case' },
  ],
  agent: [
    { href: '/', label: 'My desk' },
    { href: '/queue', label: 'Queue' },
    { href: '/cases', label: 'My cases' },
  ],
  admin: [
    { href: '/admin/agents', label: 'Agents' },
    { href: '/admin/users', label: 'Users' },
    { href: '/admin/cases', label: 'Cases' },
    { href: '/queue', label: 'Queue' },
    { href: '/admin/deliveries', label: 'Deliveries' },
    { href: '/admin/templates', label: 'Templates' },
    { href: '/admin/webhooks', label: 'Webhooks' },
  ],
};

export function resolveRoute(role: Role, path: string): { route: Route; params: Record<string, string> } | null {
  for (const route of routes[role]) {
    const params = matchPath(route.path, path);
    if (params) return { route, params };
  }
  return null;
}

export function App() {
  const { user } = useSession();
  const path = usePath();

  if (user === undefined) {
    return (
      <Shell>
        <Loading what="Starting Helmdesk" />
      </Shell>
    );
  }
  if (user === null) {
    return <Shell>{path === '/register' ? <RegisterPage /> : <SignInPage />}</Shell>;
  }
  const found = resolveRoute(user.role, path);
  return (
    <Shell>
      <ErrorBoundary key={path}>
        <Titled title={found?.route.title ?? 'Not found'}>
          {found ? found.route.render(found.params) : <NotFound signedInAs={user.role} path={path} />}
        </Titled>
      </ErrorBoundary>
    </Shell>
  );
}

function Titled({ title, children }: { title: string; children: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Helmdesk`;
  }, [title]);
  return <>{children}</>;
}

function NotFound({ signedInAs, path }: { signedInAs: Role; path: string }) {
  useEffect(() => {
    // Signed in on a sign-in path: go home.
    if (path === '/login' || path === '/register') navigate('/', { replace: true });
  }, [path]);
  return (
    <section>
      <h1>Page not found</h1>
      <p>
        There is no page at <code>{path}</code> for {signedInAs}s.
      </p>
      <p>
        <Link href="/">Go to the start page</Link>
      </p>
    </section>
  );
}

function Shell({ children }: { children: ReactNode }) {
  const { user, signOut } = useSession();
  const path = usePath();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After a navigation, move focus to the new page's heading (screen readers announce it).
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    const h1 = main.current?.querySelector<HTMLElement>('h1');
    if (h1) {
      if (!h1.hasAttribute('tabindex')) h1.setAttribute('tabindex', '-1');
      h1.focus({ preventScroll: true });
    }
  }, [path]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <Link href="/" className="brand">
            <span aria-hidden="true" className="brand-mark">
              ⎈
            </span>{' '}
            Helmdesk
          </Link>
          {user ? (
            <nav aria-label="Main">
              <ul>
                {nav[user.role].map((n) => (
                  <li key={n.href}>
                    <Link href={n.href}>{n.label}</Link>
                  </li>
                ))}
              </ul>
            </nav>
          ) : null}
          {user ? (
            <div className="who">
              <span className="who-name" title={user.email}>
                {user.name} <span className="muted">· {user.role}</span>
              </span>
              <button type="button" className="secondary small" onClick={() => void signOut().then(() => navigate('/login'))}>
                Sign out
              </button>
            </div>
          ) : null}
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <ErrorBoundary>{children}</ErrorBoundary>
      </main>
    </>
  );
}

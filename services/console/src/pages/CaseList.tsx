import { useState } from 'react';
import { caseStatuses, priorities, type Case } from '../api/types';
import { SelectField } from '../components/Field';
import { Badge, Empty, LoadMore, Loading, PageHeader, TableWrap } from '../components/bits';
import { ProblemAlert } from '../components/Problem';
import { capitalize, formatTime, relativeTime } from '../lib/format';
import { usePaged } from '../lib/hooks';
import { Link } from '../lib/router';
import { useHd, useUser } from '../session';

/** Cases the API lets this user list: a customer's own, an agent's assigned ones, all for admins. */
export function CaseListPage({ pollMs = 5000 }: { pollMs?: number }) {
  const hd = useHd();
  const user = useUser();
  const [status, setStatus] = useState('');
  const [priority, setPriority] = useState('');
  const list = usePaged((cursor) => hd.cases({ status, priority, cursor, limit: 20 }), [status, priority], { pollMs });
  const title = user.role === 'customer' ? 'My cases' : user.role === 'agent' ? 'Cases assigned to me' : 'All cases';

  return (
    <>
      <PageHeader title={title}>
        {user.role === 'customer' ? (
          <Link className="button" href="/cases/new">
            Open a case
          </Link>
        ) : null}
      </PageHeader>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter cases">
        <SelectField
          label="Status"
          value={status}
          onChange={(e) => setStatus(e.target.value)}
          options={[{ value: '', label: 'Any status' }, ...caseStatuses.map((s) => ({ value: s, label: capitalize(s) }))]}
        />
        <SelectField
          label="Priority"
          value={priority}
          onChange={(e) => setPriority(e.target.value)}
          options={[{ value: '', label: 'Any priority' }, ...priorities.map((p) => ({ value: p, label: capitalize(p) }))]}
        />
      </form>
      <ProblemAlert error={list.error} onRetry={list.reload} />
      {list.loading ? (
        <Loading what="Loading cases" />
      ) : list.items.length === 0 && !list.error ? (
        <Empty>
          {status || priority
            ? 'No case matches these filters.'
            : user.role === 'customer'
              ? 'You have not opened any case yet.'
              : 'No cases yet.'}
        </Empty>
      ) : (
        <CaseTable cases={list.items} />
      )}
      {!list.loading ? (
        <LoadMore nextCursor={list.nextCursor} loadingMore={list.loadingMore} onLoadMore={list.loadMore} count={list.items.length} noun="cases" />
      ) : null}
    </>
  );
}

export function CaseTable({ cases }: { cases: Case[] }) {
  return (
    <TableWrap label="Cases">
      <table>
        <thead>
          <tr>
            <th scope="col">Subject</th>
            <th scope="col">Status</th>
            <th scope="col">Priority</th>
            <th scope="col">Opened</th>
            <th scope="col">Updated</th>
          </tr>
        </thead>
        <tbody>
          {cases.map((c) => (
            <tr key={c.id}>
              <td>
                <Link href={`/cases/${c.id}`}>{c.subject}</Link>
              </td>
              <td>
                <Badge kind="status" value={c.status} />
              </td>
              <td>
                <Badge kind="priority" value={c.priority} />
              </td>
              <td>
                <time dateTime={c.createdAt} title={formatTime(c.createdAt)}>
                  {formatTime(c.createdAt)}
                </time>
              </td>
              <td>
                <time dateTime={c.updatedAt} title={formatTime(c.updatedAt)}>
                  {relativeTime(c.updatedAt)}
                </time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

import { useState } from 'react';
import { ApiError } from '../../api/client';
import { Badge, Empty, LoadMore, Loading, PageHeader, TableWrap } from '../../components/bits';
import { Notice } from '../../components/Problem';
import { formatTime, relativeTime } from '../../lib/format';
import { usePaged } from '../../lib/hooks';
import { Link, navigate } from '../../lib/router';
import { useHd, useUser } from '../../session';
import { ClaimConflictHelp } from '../CasePage';

/** Waiting cases in the order they will be taken; agents can claim the next one or any one. */
export function QueuePage({ pollMs = 4000 }: { pollMs?: number }) {
  const hd = useHd();
  const user = useUser();
  const list = usePaged((cursor) => hd.queue({ cursor, limit: 20 }), [], { pollMs });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [empty, setEmpty] = useState(false);
  const agent = user.role === 'agent';

  async function claim(caseId: string | null) {
    setBusy(caseId ?? 'next');
    setError(null);
    setEmpty(false);
    try {
      const assignment = caseId ? await hd.claim(caseId) : await hd.claimNext();
      navigate(`/cases/${assignment.caseId}`);
    } catch (err) {
      if (!caseId && err instanceof ApiError && err.status === 404) setEmpty(true);
      else setError(err);
      void list.refresh();
      setBusy(null);
    }
  }

  return (
    <>
      <PageHeader title="Queue">
        {agent ? (
          <button type="button" onClick={() => void claim(null)} disabled={busy !== null}>
            {busy === 'next' ? 'Claiming…' : 'Claim next case'}
          </button>
        ) : null}
      </PageHeader>
      <p className="muted">Waiting cases in the order they will be taken: most urgent first, then oldest. Updates on its own.</p>
      {empty ? <Notice>No case is waiting right now.</Notice> : null}
      <ClaimConflictHelp error={error} />
      <ClaimConflictHelp error={list.error} />
      {list.loading ? (
        <Loading what="Loading the queue" />
      ) : list.items.length === 0 ? (
        <Empty>No case is waiting. </Empty>
      ) : (
        <TableWrap label="Queue">
          <table>
            <thead>
              <tr>
                <th scope="col">Position</th>
                <th scope="col">Subject</th>
                <th scope="col">Priority</th>
                <th scope="col">Waiting since</th>
                {agent ? <th scope="col">Action</th> : null}
              </tr>
            </thead>
            <tbody>
              {list.items.map((q) => (
                <tr key={q.caseId}>
                  <td className="num">#{q.position}</td>
                  <td>
                    <Link href={`/cases/${q.caseId}`}>{q.subject}</Link>
                  </td>
                  <td>
                    <Badge kind="priority" value={q.priority} />
                  </td>
                  <td>
                    <time dateTime={q.queuedAt} title={formatTime(q.queuedAt)}>
                      {relativeTime(q.queuedAt)}
                    </time>
                  </td>
                  {agent ? (
                    <td>
                      <button
                        type="button"
                        className="small"
                        onClick={() => void claim(q.caseId)}
                        disabled={busy !== null}
                        aria-label={`Claim “${q.subject}”`}
                      >
                        {busy === q.caseId ? 'Claiming…' : 'Claim'}
                      </button>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {!list.loading ? (
        <LoadMore nextCursor={list.nextCursor} loadingMore={list.loadingMore} onLoadMore={list.loadMore} count={list.items.length} noun="waiting cases" />
      ) : null}
    </>
  );
}

import { getEventListeners } from 'node:events';
import { eventually } from '@helmdesk/testkit';
import { serviceFixture } from '../support/service';

// The delivery worker's loop under a trickle of mails: each turn that finds fewer mails than free
// slots waits for new work, a free slot or the next poll. When a mail finishing ends that wait,
// the wait must end with it, not linger until the poll: a lingering wait keeps a timer and a
// listener on the worker's stop signal, one more per turn. The test counts those listeners (a
// look inside the worker: the stop signal is its own).

jest.setTimeout(120_000);

// A poll far longer than the test: a wait that is not ended by the turn after it stays.
const fx = serviceFixture('notif_turns', { DELIVERY_CONCURRENCY: '4', DELIVERY_POLL_MS: '60000' });

it('when mails come one by one while others are sent, then every turn ends its wait and nothing piles up on the stop signal', async () => {
  const stop = (fx.service.deliveries as unknown as { abort: AbortController }).abort.signal;
  let most = 0;
  const sampler = setInterval(() => (most = Math.max(most, getEventListeners(stop, 'abort').length)), 2);
  try {
    const customer = await fx.events.user('customer', 'Trickle Customer', 'trickle@example.com');
    const cases: string[] = [];
    for (let i = 0; i < 40; i++) {
      cases.push((await fx.events.caseCreated(customer.id, `trickle ${i}`)).caseId);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await eventually(() => cases.every((id) => fx.sink.to(customer.email).some((m) => m.text.includes(id))), { what: 'all 40 mails', timeoutMs: 60_000 });
  } finally {
    clearInterval(sampler);
  }
  // At most the loop's one wait and one per delivery in flight (4).
  expect(most).toBeGreaterThan(0);
  expect(most).toBeLessThanOrEqual(5);
});

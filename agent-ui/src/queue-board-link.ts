// The admins' link to the queue board (/admin/queues, bull-board). A browser tab cannot send the sign-in header,
// so the click first asks the API for a 15-minute pass (an HttpOnly cookie for /admin), then opens the board.
import { api } from './api.ts';
import { h } from './dom.ts';

export function createQueueBoardLink(
  showError: (message: string) => void,
  describe: (err: unknown) => string,
) {
  const link = h(
    'a',
    {
      class: 'btn btn-queue-board',
      testid: 'queue-board-link',
      attrs: { href: '/admin/queues', target: '_blank', rel: 'noopener' },
    },
    '队列看板 Queue board',
  );
  link.hidden = true;
  link.addEventListener('click', (event) => {
    event.preventDefault();
    showError('');
    api.opsSession().then(
      ({ url }) => window.open(url, '_blank', 'noopener'),
      (err: unknown) => showError(describe(err)),
    );
  });
  return link;
}

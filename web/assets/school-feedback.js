// 问题反馈 on the school's page (institution.html#/feedback): the inbox by status (a school's
// GET /institution/feedback, awaiting the school first; the credit bank's staff, role PLATFORM,
// GET /platform/feedback, forwarded first), longest waiting first and paged by hasMore, each
// with its first-answer limit (due time, time left, overdue highlighted); one ticket with the
// learner, its attachments and the whole thread (GET …/{id}); a reply (POST …/{id}/messages,
// which sends the learner a notice) and, for the school, forwarding to the credit bank with a
// note (POST /institution/feedback/{id}/forward). The queue and the panel are queue.js's.

import { h } from './dom.js';
import { t } from './i18n.js';
import { answerLimit, attachmentLinks, messageForm, thread, ticketDetails } from './feedback-view.js';
import { formatTime, statusBadge } from './registration-view.js';
import { call, reviewTab } from './queue.js';

/** The two desks: the school's own learners' tickets, and those forwarded to the credit bank. */
const DESKS = {
  school: { base: '/institution/feedback', statuses: ['SUBMITTED', 'REPLIED', 'FORWARDED', 'CLOSED'], awaiting: 'SUBMITTED' },
  platform: { base: '/platform/feedback', statuses: ['FORWARDED', 'REPLIED', 'CLOSED'], awaiting: 'FORWARDED' },
};

export default function schoolFeedback(root, ctx) {
  const platform = ctx.claims['custom:role'] === 'PLATFORM';
  const desk = DESKS[platform ? 'platform' : 'school'];
  const columns = ['no', 'submittedAt', 'learner', ...(platform ? ['school'] : []), 'title', 'limit', 'status', 'action'];
  reviewTab(root, ctx, {
    queue: {
      prefix: 'fbq', title: 'inst.fb.queue', empty: 'inst.fb.empty', base: desk.base, statuses: desk.statuses,
      filterLabel: 'fb.filter.status',
      columns: columns.map((c) => `inst.fb.col.${c}`),
      name: (item) => item.title,
      openKey: (item) => (item.status === desk.awaiting ? 'inst.fb.open' : 'inst.open.view'),
      row: (item) => [
        h('td', { class: 'col-time fb-col-no' }, item.ticketNo),
        h('td', { class: 'col-time' }, formatTime(item.submittedAt)),
        h('td', {}, item.learner.name, h('br'), h('span', { class: 'hint' }, item.learner.idNumberMasked)),
        platform ? h('td', {}, item.institution?.name ?? '') : null,
        h('td', { class: 'col-name fb-col-title' }, item.title, h('br'), h('span', { class: 'hint' }, item.categoryLabel)),
        h('td', { class: 'fb-col-limit' }, answerLimit(item.answerLimit)),
        h('td', {}, statusBadge(item.status, item.statusLabel)),
      ].filter(Boolean),
    },
    detail: {
      ids: { panel: 'fb-review', title: 'fb-review-title', body: 'fb-review-body', close: 'fb-review-close', done: 'fb-review-done' },
      title: 'inst.fb.detail',
      render: (view, { reopen, decided }) => {
        const refresh = () => h('button', { type: 'button', class: 'link-button', onclick: reopen }, t('inst.refresh'));
        const onConflict = () => [t('inst.fb.conflict'), ' ', refresh()];
        const open = view.status !== 'CLOSED';
        // Who answers now: the school until it forwards the ticket, then the credit bank.
        const answers = open && (platform ? view.forwarded : !view.forwarded);
        const url = (what) => `${desk.base}/${encodeURIComponent(view.id)}/${what}`;
        return [
          ticketDetails(view, { staff: true }),
          attachmentLinks(view),
          h('button', { type: 'button', class: 'link-button', id: 'fb-review-refresh', onclick: reopen }, t('reg.detail.refresh')),
          thread(view),
          answers
            ? messageForm(ctx, {
                id: 'fb-answer', title: t('inst.fb.reply'), label: t('inst.fb.reply.label'), hint: t('inst.fb.reply.hint'),
                submit: t('inst.fb.reply.submit'),
                send: async (content) => {
                  const after = await call(ctx, 'POST', url('messages'), { body: { content } });
                  if (ctx.isCurrent()) decided(after, t('inst.fb.replied', { status: after.statusLabel }));
                },
                onConflict,
              }).form
            : h('p', { class: 'note', id: 'fb-review-note' },
                t(!open ? 'inst.fb.closed' : (platform ? 'inst.fb.notForwarded' : 'inst.fb.forwardedNote'))),
          answers && !platform
            ? messageForm(ctx, {
                id: 'fb-forward', title: t('inst.fb.forward'), label: t('inst.fb.forward.note'), hint: t('inst.fb.forward.hint'),
                submit: t('inst.fb.forward.submit'), field: 'note',
                send: async (note) => {
                  const after = await call(ctx, 'POST', url('forward'), { body: { note } });
                  if (ctx.isCurrent()) decided(after, t('inst.fb.forwarded', { status: after.statusLabel }));
                },
                onConflict,
              }).form
            : '',
        ];
      },
    },
  });
}

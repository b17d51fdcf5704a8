// The school's review (institution.html, signed in): the queue by status (GET
// /institution/achievement-registrations, pending first by default, paged by hasMore), one
// registration with the learner, details, evidence and history (GET …/{id}), and the decision
// (POST …/{id}/decision): approve with credits and points, or reject or return with a reason.
// A decision someone else made first answers 409 STATE_CONFLICT: 已被处理，请刷新.

import { alertBox, field, h } from './dom.js';
import { t } from './i18n.js';
import { call, reviewTab } from './queue.js';
import { detailsList, evidenceLinks, formatTime, historyList, reasonLine, statusBadge } from './registration-view.js';

export { call, PAGE_SIZE } from './queue.js';
const STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'RETURNED', 'WITHDRAWN'];
const BASE = '/institution/achievement-registrations';
const CREDITS = /^\d{1,4}(\.\d)?$/;
const POINTS = /^\d{1,7}$/;

/** The registrations tab: its queue beside the registration opened. */
export default function review(root, ctx) {
  reviewTab(root, ctx, {
    queue: {
      prefix: 'queue', title: 'inst.queue', empty: 'inst.queue.empty', base: BASE, statuses: STATUSES,
      columns: ['submittedAt', 'learner', 'name', 'type', 'issuer', 'status', 'action'].map((c) => `inst.col.${c}`),
      name: (item) => item.name,
      row: (item) => [
        h('td', { class: 'col-time' }, formatTime(item.submittedAt)),
        h('td', {}, item.learner.name, h('br'), h('span', { class: 'hint' }, item.learner.idNumberMasked)),
        h('td', { class: 'col-name' }, item.name),
        h('td', {}, item.typeLabel, h('br'), h('span', { class: 'hint' }, item.subtypeLabel)),
        h('td', {}, item.issuer),
        h('td', {}, statusBadge(item.status, item.statusLabel)),
      ],
    },
    detail: {
      ids: { panel: 'review-detail', title: 'review-title', body: 'review-body', close: 'review-close', done: 'review-done' },
      title: 'inst.detail',
      render: (view, { reopen, decided, refresh }) => [
        reasonLine(view, 'review-reason') ?? '',
        detailsList(view, { learner: true }),
        evidenceLinks(view),
        h('button', { type: 'button', class: 'link-button', id: 'review-refresh', onclick: reopen }, t('reg.detail.refresh')),
        historyList(view),
        view.status === 'PENDING' ? decisionForm(ctx, view, { decided, refresh }) : '',
      ],
    },
  });
}

function decisionForm(ctx, view, { decided, refresh }) {
  const alert = alertBox('error');
  const choice = (value, key) => h('label', { class: 'choice' },
    h('input', { type: 'radio', name: 'decision', value, id: `decision-${value.toLowerCase()}`, checked: value === 'APPROVE' }),
    ' ', t(key));
  const decision = h('fieldset', { class: 'fieldset' },
    h('legend', { class: 'field__label' }, t('inst.decision')),
    h('div', { class: 'choices' },
      choice('APPROVE', 'inst.decision.approve'),
      choice('RETURN', 'inst.decision.return'),
      choice('REJECT', 'inst.decision.reject')));
  const credits = field({
    id: 'decision-credits', label: t('inst.credits'), inputmode: 'decimal', maxlength: 6,
    hint: 'decision-credits-hint', autocomplete: 'off', required: true,
  });
  credits.wrap.insertBefore(h('p', { class: 'hint', id: 'decision-credits-hint' }, t('inst.credits.hint')), credits.error);
  const points = field({ id: 'decision-points', label: t('inst.points'), inputmode: 'numeric', maxlength: 7, value: '0', autocomplete: 'off' });
  const reason = field({
    id: 'decision-reason', label: t('inst.reason'), hint: 'decision-reason-hint',
    control: h('textarea', { maxlength: '200', rows: '3' }),
  });
  reason.wrap.insertBefore(h('p', { class: 'hint', id: 'decision-reason-hint' }, t('inst.reason.hint')), reason.error);
  const approveFields = h('div', { class: 'form-pair' }, credits.wrap, points.wrap);
  const submit = h('button', { type: 'submit', class: 'button button--primary', id: 'decision-submit' }, t('inst.decision.submit'));
  const form = h('form', { class: 'form decision', novalidate: true, id: 'decision-form', 'aria-labelledby': 'decision-title' },
    h('h3', { class: 'section-title', id: 'decision-title' }, t('inst.decision.title')),
    alert.el, decision, approveFields, reason.wrap, h('div', { class: 'form-actions' }, submit));

  const chosen = () => form.querySelector('input[name="decision"]:checked').value;
  const sync = () => {
    const approve = chosen() === 'APPROVE';
    approveFields.hidden = !approve;
    reason.wrap.hidden = approve;
  };
  decision.addEventListener('change', sync);
  sync();

  function check() {
    const bad = [];
    const set = (f, problem) => {
      f.setError(problem);
      if (problem) bad.push(f);
    };
    if (chosen() === 'APPROVE') {
      const c = credits.input.value.trim();
      set(credits, !c ? t('required') : (CREDITS.test(c) ? null : t('inst.credits.invalid')));
      const p = points.input.value.trim() || '0';
      set(points, POINTS.test(p) && Number(p) <= 1_000_000 ? null : t('inst.points.invalid'));
    } else {
      const r = reason.input.value.trim();
      set(reason, !r ? t('inst.reason.required') : ([...r].length < 2 ? t('inst.reason.short') : null));
    }
    return bad;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    alert.hide();
    const bad = check();
    if (bad.length) {
      bad[0].input.focus();
      return;
    }
    const kind = chosen();
    const body = kind === 'APPROVE'
      ? { decision: kind, credits: Number(credits.input.value.trim()), points: Number(points.input.value.trim() || '0') }
      : { decision: kind, reason: reason.input.value.trim() };
    submit.disabled = true;
    let after;
    try {
      after = await call(ctx, 'POST', `${BASE}/${encodeURIComponent(view.id)}/decision`, { body });
    } catch (err) {
      submit.disabled = false;
      if (err.handled || !ctx.isCurrent()) return;
      if (err.code === 'STATE_CONFLICT') {
        alert.show(h('span', { id: 'decision-conflict' }, t('inst.conflict')), ' ',
          h('button', { type: 'button', class: 'link-button', id: 'decision-refresh', onclick: refresh }, t('inst.refresh')));
        return;
      }
      const target = { credits, points, reason }[err.field];
      if (target) {
        target.setError(err.message);
        target.input.focus();
      } else alert.show(err.message);
      return;
    }
    if (ctx.isCurrent()) decided(after);
  });
  return form;
}

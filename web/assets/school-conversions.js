// The school's conversion applications (institution.html#/conversions): the queue by status
// (GET /institution/conversions, pending first, paged by hasMore), one application with the
// learner, the achievement, the rule and the history (GET …/{id}), and the decision (POST
// …/{id}/decision): approve with course credits no more than the maximum shown, or reject with
// a reason. A decision someone else made first answers 409 STATE_CONFLICT: 已被处理，请刷新.

import { alertBox, field, h } from './dom.js';
import { t } from './i18n.js';
import { applicationDetails, courseText } from './conversion-view.js';
import { formatTime, historyList, reasonLine, statusBadge } from './registration-view.js';
import { call, reviewTab } from './queue.js';

const STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'WITHDRAWN'];
const BASE = '/institution/conversions';
const CREDITS = /^\d{1,2}(\.\d)?$/;

export default function schoolConversions(root, ctx) {
  reviewTab(root, ctx, {
    queue: {
      prefix: 'convq', title: 'inst.conv.queue', empty: 'inst.conv.empty', base: BASE, statuses: STATUSES,
      columns: ['submittedAt', 'learner', 'achievement', 'course', 'max', 'status', 'action'].map((c) => `inst.conv.col.${c}`),
      name: (item) => item.courseName,
      row: (item) => [
        h('td', { class: 'col-time' }, formatTime(item.submittedAt)),
        h('td', {}, item.learner.name, h('br'), h('span', { class: 'hint' }, item.learner.idNumberMasked)),
        h('td', { class: 'col-name' }, item.achievementName, h('br'),
          h('span', { class: 'hint' }, t('conv.achievement.credits', { n: item.achievementCredits }))),
        h('td', {}, courseText({ courseName: item.courseName, courseCode: item.courseCode }), h('br'),
          h('span', { class: 'hint' }, item.ruleName)),
        h('td', { class: 'col-credits' }, String(item.maxCredits)),
        h('td', {}, statusBadge(item.status, item.statusLabel)),
      ],
    },
    detail: {
      ids: { panel: 'conv-review', title: 'conv-review-title', body: 'conv-review-body', close: 'conv-review-close', done: 'conv-review-done' },
      title: 'inst.conv.detail',
      render: (view, { reopen, decided, refresh }) => [
        reasonLine(view, 'conv-review-reason') ?? '',
        applicationDetails(view, { learner: true }),
        h('button', { type: 'button', class: 'link-button', id: 'conv-review-refresh', onclick: reopen }, t('reg.detail.refresh')),
        historyList(view),
        view.status === 'PENDING' ? decisionForm(ctx, view, { decided, refresh }) : '',
      ],
    },
  });
}

function decisionForm(ctx, view, { decided, refresh }) {
  const max = Number(view.maxCredits);
  const alert = alertBox('error');
  const choice = (value, key) => h('label', { class: 'choice' },
    h('input', { type: 'radio', name: 'conv-decision', value, id: `conv-decision-${value.toLowerCase()}`, checked: value === 'APPROVE' }),
    ' ', t(key));
  const decision = h('fieldset', { class: 'fieldset' },
    h('legend', { class: 'field__label' }, t('inst.decision')),
    h('div', { class: 'choices' },
      choice('APPROVE', 'inst.decision.approve'),
      choice('REJECT', 'inst.decision.reject')));
  const credits = field({
    id: 'conv-decision-credits', label: t('inst.conv.credits'), inputmode: 'decimal', maxlength: 5,
    hint: 'conv-decision-credits-hint', autocomplete: 'off', required: true, value: String(view.maxCredits),
  });
  credits.wrap.insertBefore(h('p', { class: 'hint', id: 'conv-decision-credits-hint' },
    t('inst.conv.credits.hint', { max: view.maxCredits })), credits.error);
  const reason = field({
    id: 'conv-decision-reason', label: t('inst.reason'), hint: 'conv-decision-reason-hint',
    control: h('textarea', { maxlength: '200', rows: '3' }),
  });
  reason.wrap.insertBefore(h('p', { class: 'hint', id: 'conv-decision-reason-hint' }, t('inst.reason.hint')), reason.error);
  const submit = h('button', { type: 'submit', class: 'button button--primary', id: 'conv-decision-submit' }, t('inst.decision.submit'));
  const form = h('form', { class: 'form decision', novalidate: true, id: 'conv-decision-form', 'aria-labelledby': 'conv-decision-title' },
    h('h3', { class: 'section-title', id: 'conv-decision-title' }, t('inst.decision.title')),
    alert.el, decision, credits.wrap, reason.wrap, h('div', { class: 'form-actions' }, submit));

  const chosen = () => form.querySelector('input[name="conv-decision"]:checked').value;
  const sync = () => {
    const approve = chosen() === 'APPROVE';
    credits.wrap.hidden = !approve;
    reason.wrap.hidden = approve;
  };
  decision.addEventListener('change', sync);
  sync();

  function check() {
    if (chosen() === 'APPROVE') {
      const c = credits.input.value.trim();
      let problem = null;
      if (!c) problem = t('required');
      else if (!CREDITS.test(c) || Number(c) <= 0) problem = t('inst.conv.credits.invalid', { max: view.maxCredits });
      else if (Number(c) > max) problem = t('inst.conv.credits.over', { max: view.maxCredits });
      credits.setError(problem);
      return problem ? [credits] : [];
    }
    const r = reason.input.value.trim();
    const problem = !r ? t('inst.conv.reason.required') : ([...r].length < 2 ? t('inst.reason.short') : null);
    reason.setError(problem);
    return problem ? [reason] : [];
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
      ? { decision: kind, credits: Number(credits.input.value.trim()) }
      : { decision: kind, reason: reason.input.value.trim() };
    submit.disabled = true;
    let after;
    try {
      after = await call(ctx, 'POST', `${BASE}/${encodeURIComponent(view.id)}/decision`, { body });
    } catch (err) {
      submit.disabled = false;
      if (err.handled || !ctx.isCurrent()) return;
      if (err.code === 'STATE_CONFLICT') {
        alert.show(h('span', { id: 'conv-decision-conflict' }, t('inst.conflict')), ' ',
          h('button', { type: 'button', class: 'link-button', id: 'conv-decision-refresh', onclick: refresh }, t('inst.refresh')));
        return;
      }
      const target = { credits, reason }[err.field];
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

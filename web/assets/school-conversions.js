// The school's conversion applications (institution.html#/conversions): the queue by status
// (GET /institution/conversions, pending first, paged by hasMore), one application with the
// learner, the achievement, the rule and the history (GET …/{id}), and the decision (POST
// …/{id}/decision): approve with course credits no more than the maximum shown, or reject with
// a reason. A decision someone else made first answers 409 STATE_CONFLICT: 已被处理，请刷新.

import { alertBox, field, h, statusLine } from './dom.js';
import { t } from './i18n.js';
import { applicationDetails, courseText } from './conversion-view.js';
import { formatTime, historyList, reasonLine, statusBadge } from './registration-view.js';
import { call } from './review.js';

export const PAGE_SIZE = 10;
const STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'WITHDRAWN'];
const BASE = '/institution/conversions';
const CREDITS = /^\d{1,2}(\.\d)?$/;

export default function schoolConversions(root, ctx) {
  const detail = detailPanel(ctx, { onDecided: () => queue.load() });
  const queue = queuePanel(ctx, { onOpen: (id) => detail.open(id) });
  root.append(h('div', { class: 'review-layout' }, queue.panel, detail.panel));
  queue.load(1);
}

function queuePanel(ctx, { onOpen }) {
  const status = field({
    id: 'convq-status', label: t('inst.filter.status'), labelClass: 'filter__label',
    control: h('select', {}, STATUSES.map((s) => h('option', { value: s }, t(`status.${s}`)))),
  });
  const error = alertBox('error');
  const tbody = h('tbody', { id: 'convq-rows' });
  const table = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'convq-title' },
    h('table', { class: 'table', id: 'convq-table', 'aria-busy': 'true' },
      h('thead', {}, h('tr', {},
        ['submittedAt', 'learner', 'achievement', 'course', 'max', 'status', 'action'].map((c) => h('th', { scope: 'col' }, t(`inst.conv.col.${c}`))))),
      tbody));
  const prev = h('button', { type: 'button', class: 'button button--secondary', id: 'convq-prev', 'aria-disabled': 'true' }, t('ach.prev'));
  const next = h('button', { type: 'button', class: 'button button--secondary', id: 'convq-next', 'aria-disabled': 'true' }, t('ach.next'));
  const pageInfo = h('span', { class: 'pager__info', id: 'convq-page-info', 'aria-live': 'polite' });
  const refresh = h('button', { type: 'button', class: 'button button--secondary', id: 'convq-refresh' }, t('inst.refresh'));
  const panel = h('section', { class: 'panel', id: 'convq-panel', 'aria-labelledby': 'convq-title' },
    h('h2', { class: 'panel__title', id: 'convq-title' }, t('inst.conv.queue')),
    h('div', { class: 'queue-filter' }, status.wrap, refresh),
    error.el, table,
    h('nav', { class: 'pager', 'aria-label': t('ach.pagination') }, prev, pageInfo, next));
  let page = 1;
  let loading = false;

  async function load(to = page) {
    loading = true;
    table.firstChild.setAttribute('aria-busy', 'true');
    let answer;
    try {
      answer = await call(ctx, 'GET', BASE, { query: { status: status.input.value, page: to, pageSize: PAGE_SIZE } });
    } catch (err) {
      loading = false;
      if (!err.handled && ctx.isCurrent()) error.show(err.message);
      return;
    }
    loading = false;
    if (!ctx.isCurrent()) return;
    error.hide();
    page = answer.page;
    if (!answer.items.length && page > 1) {
      load(page - 1);
      return;
    }
    tbody.replaceChildren(...(answer.items.length ? answer.items.map(row)
      : [h('tr', {}, h('td', { colspan: '7', class: 'table__empty' }, t('inst.conv.empty')))]));
    table.firstChild.setAttribute('aria-busy', 'false');
    pageInfo.textContent = t('ach.page', { p: page });
    prev.setAttribute('aria-disabled', String(page <= 1));
    next.setAttribute('aria-disabled', String(!answer.hasMore));
  }

  function row(item) {
    return h('tr', { id: `convq-${item.id}` },
      h('td', { class: 'col-time' }, formatTime(item.submittedAt)),
      h('td', {}, item.learner.name, h('br'), h('span', { class: 'hint' }, item.learner.idNumberMasked)),
      h('td', { class: 'col-name' }, item.achievementName, h('br'),
        h('span', { class: 'hint' }, t('conv.achievement.credits', { n: item.achievementCredits }))),
      h('td', {}, courseText({ courseName: item.courseName, courseCode: item.courseCode }), h('br'),
        h('span', { class: 'hint' }, item.ruleName)),
      h('td', { class: 'col-credits' }, String(item.maxCredits)),
      h('td', {}, statusBadge(item.status, item.statusLabel)),
      h('td', {}, h('button', {
        type: 'button', class: 'button button--secondary button--small convq-open',
        'aria-label': t('inst.open.label', { name: item.courseName, learner: item.learner.name }),
        onclick: () => onOpen(item.id),
      }, t(item.status === 'PENDING' ? 'inst.open.review' : 'inst.open.view'))));
  }

  status.input.addEventListener('change', () => load(1));
  refresh.addEventListener('click', () => load());
  const turn = (button, by) => button.addEventListener('click', () => {
    if (loading || button.getAttribute('aria-disabled') === 'true') return;
    load(page + by);
  });
  turn(prev, -1);
  turn(next, 1);
  return { panel, load };
}

function detailPanel(ctx, { onDecided }) {
  const title = h('h2', { class: 'panel__title', id: 'conv-review-title', tabindex: '-1' }, t('inst.conv.detail'));
  const done = statusLine('conv-review-done');
  const body = h('div', { id: 'conv-review-body' });
  const close = h('button', { type: 'button', class: 'button button--secondary', id: 'conv-review-close' }, t('reg.detail.close'));
  const panel = h('section', { class: 'panel', id: 'conv-review', 'aria-labelledby': 'conv-review-title', hidden: true },
    h('div', { class: 'panel__head' }, title, close), done.el, body);
  let shown = null;
  let asked = 0;

  close.addEventListener('click', () => {
    panel.hidden = true;
    done.hide();
    const opener = shown && document.querySelector(`#convq-${CSS.escape(shown)} .convq-open`);
    shown = null;
    opener?.focus();
  });

  async function open(id, { focus = true, keepDone = false } = {}) {
    const mine = ++asked;
    shown = id;
    panel.hidden = false;
    if (!keepDone) done.hide();
    body.replaceChildren(h('p', { class: 'loading' }, t('loading')));
    if (focus) {
      panel.scrollIntoView?.({ block: 'start' });
      title.focus({ preventScroll: true });
    }
    let view;
    try {
      view = await call(ctx, 'GET', `${BASE}/${encodeURIComponent(id)}`);
    } catch (err) {
      if (!err.handled && ctx.isCurrent() && mine === asked) body.replaceChildren(h('p', { class: 'alert alert--error', role: 'alert' }, err.message));
      return;
    }
    if (!ctx.isCurrent() || mine !== asked) return;
    body.replaceChildren(
      reasonLine(view, 'conv-review-reason') ?? '',
      applicationDetails(view, { learner: true }),
      h('button', { type: 'button', class: 'link-button', id: 'conv-review-refresh', onclick: () => open(id, { focus: false }) }, t('reg.detail.refresh')),
      historyList(view),
      view.status === 'PENDING' ? decisionForm(ctx, view, {
        decided: (after) => {
          done.show(t('inst.decided', { status: after.statusLabel }));
          onDecided();
          open(id, { focus: false, keepDone: true });
        },
        refresh: () => {
          onDecided();
          open(id, { focus: false });
        },
      }) : '');
  }

  return { panel, open };
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

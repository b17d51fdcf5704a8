// The school's review (institution.html, signed in): the queue by status (GET
// /institution/achievement-registrations, pending first by default, paged by hasMore), one
// registration with the learner, details, evidence and history (GET …/{id}), and the decision
// (POST …/{id}/decision): approve with credits and points, or reject or return with a reason.
// A decision someone else made first answers 409 STATE_CONFLICT: 已被处理，请刷新.

import { request } from './api.js';
import { alertBox, field, h, statusLine } from './dom.js';
import { t } from './i18n.js';
import { detailsList, evidenceLinks, formatTime, historyList, reasonLine, statusBadge } from './registration-view.js';

export const PAGE_SIZE = 10;
const STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'RETURNED', 'WITHDRAWN'];
const BASE = '/institution/achievement-registrations';
const CREDITS = /^\d{1,4}(\.\d)?$/;
const POINTS = /^\d{1,7}$/;

/** request(), with any 401 (the function's UNAUTHENTICATED or the authorizer's own) ending the session. */
export async function call(ctx, method, path, options) {
  try {
    return await request(method, path, options);
  } catch (err) {
    if (err.status === 401 && !err.handled) {
      err.handled = true;
      ctx.expired();
    }
    throw err;
  }
}

/** The registrations tab: its queue beside the registration opened. */
export default function review(root, ctx) {
  const detail = detailPanel(ctx, { onDecided: () => queue.load() });
  const queue = queuePanel(ctx, { onOpen: (id) => detail.open(id) });
  root.append(h('div', { class: 'review-layout' }, queue.panel, detail.panel));
  queue.load(1);
}

function queuePanel(ctx, { onOpen }) {
  const status = field({
    id: 'queue-status', label: t('inst.filter.status'), labelClass: 'filter__label',
    control: h('select', {}, STATUSES.map((s) => h('option', { value: s }, t(`status.${s}`)))),
  });
  const error = alertBox('error');
  const tbody = h('tbody', { id: 'queue-rows' });
  const table = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'queue-title' },
    h('table', { class: 'table', id: 'queue-table', 'aria-busy': 'true' },
      h('thead', {}, h('tr', {},
        ['submittedAt', 'learner', 'name', 'type', 'issuer', 'status', 'action'].map((c) => h('th', { scope: 'col' }, t(`inst.col.${c}`))))),
      tbody));
  const prev = h('button', { type: 'button', class: 'button button--secondary', id: 'queue-prev', 'aria-disabled': 'true' }, t('ach.prev'));
  const next = h('button', { type: 'button', class: 'button button--secondary', id: 'queue-next', 'aria-disabled': 'true' }, t('ach.next'));
  const pageInfo = h('span', { class: 'pager__info', id: 'queue-page-info', 'aria-live': 'polite' });
  const refresh = h('button', { type: 'button', class: 'button button--secondary', id: 'queue-refresh' }, t('inst.refresh'));
  const panel = h('section', { class: 'panel', id: 'queue-panel', 'aria-labelledby': 'queue-title' },
    h('h2', { class: 'panel__title', id: 'queue-title' }, t('inst.queue')),
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
      : [h('tr', {}, h('td', { colspan: '7', class: 'table__empty' }, t('inst.queue.empty')))]));
    table.firstChild.setAttribute('aria-busy', 'false');
    pageInfo.textContent = t('ach.page', { p: page });
    prev.setAttribute('aria-disabled', String(page <= 1));
    next.setAttribute('aria-disabled', String(!answer.hasMore));
  }

  function row(item) {
    return h('tr', { id: `queue-${item.id}` },
      h('td', { class: 'col-time' }, formatTime(item.submittedAt)),
      h('td', {}, item.learner.name, h('br'), h('span', { class: 'hint' }, item.learner.idNumberMasked)),
      h('td', { class: 'col-name' }, item.name),
      h('td', {}, item.typeLabel, h('br'), h('span', { class: 'hint' }, item.subtypeLabel)),
      h('td', {}, item.issuer),
      h('td', {}, statusBadge(item.status, item.statusLabel)),
      h('td', {}, h('button', {
        type: 'button', class: 'button button--secondary button--small queue-open',
        'aria-label': t('inst.open.label', { name: item.name, learner: item.learner.name }),
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
  const title = h('h2', { class: 'panel__title', id: 'review-title', tabindex: '-1' }, t('inst.detail'));
  const done = statusLine('review-done');
  const body = h('div', { id: 'review-body' });
  const close = h('button', { type: 'button', class: 'button button--secondary', id: 'review-close' }, t('reg.detail.close'));
  const panel = h('section', { class: 'panel', id: 'review-detail', 'aria-labelledby': 'review-title', hidden: true },
    h('div', { class: 'panel__head' }, title, close), done.el, body);
  let shown = null;
  let asked = 0;

  close.addEventListener('click', () => {
    panel.hidden = true;
    done.hide();
    const opener = shown && document.querySelector(`#queue-${CSS.escape(shown)} .queue-open`);
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
      reasonLine(view, 'review-reason') ?? '',
      detailsList(view, { learner: true }),
      evidenceLinks(view),
      h('button', { type: 'button', class: 'link-button', id: 'review-refresh', onclick: () => open(id, { focus: false }) }, t('reg.detail.refresh')),
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

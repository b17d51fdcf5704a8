// 问题反馈 (#/feedback, the menu's item): a question to one of the learner's schools (POST
// /feedback: the school from GET /me, a category, a title and a text within their limits, with
// counters; optionally one of the learner's registrations or conversion applications with that
// school, and up to 3 attachments uploaded as they are chosen), with the day's tickets left
// (`leftToday`) beside the button and a 429's wait counted down; the learner's tickets (GET
// /feedback: by status, paged) with their numbers; and one ticket's thread (GET /feedback/{id}),
// with a follow-up box (POST …/messages) unless it is closed, and closing it with an optional
// rating of 1–5 (POST …/close). Every title, message and file name is shown as text.

import { request } from './api.js';
import { alertBox, field, h, statusLine, waitLine } from './dom.js';
import { t } from './i18n.js';
import {
  attachmentLinks, CATEGORIES, DAILY, LIMITS, MAX_ATTACHMENTS, messageForm, STATUSES, textField, thread, ticketDetails,
} from './feedback-view.js';
import { formatTime, statusBadge } from './registration-view.js';
import { recordPanel } from './panel.js';
import { flashNotice, withMenu } from './shell.js';
import { evidencePicker } from './uploads.js';

export const PAGE_SIZE = 10;
/** Registrations and applications read for the related choice (the API's largest page). */
const RELATED_PAGE = 50;

export default async function feedback(root, ctx) {
  const content = withMenu(root, 'feedback');
  content.append(h('h1', { class: 'page-title', id: 'fb-title' }, t('fb.title')), flashNotice(ctx.flash) ?? '',
    h('p', { class: 'hint', id: 'fb-intro' }, t('fb.intro')));
  ctx.ready();
  let me;
  try {
    me = await request('GET', '/me');
  } catch (err) {
    if (!err.handled && ctx.isCurrent()) content.append(h('p', { class: 'alert alert--error', role: 'alert' }, err.message));
    return;
  }
  if (!ctx.isCurrent()) return;
  const detail = threadPanel(ctx, { onChanged: () => list.load() });
  const list = ticketList(ctx, { onOpen: (id) => detail.open(id), onLeft: (n) => form.left(n) });
  const form = ticketForm(ctx, me.institutions ?? [], { onFiled: () => list.load(1) });
  content.append(form.panel, list.panel, detail.panel);
  await Promise.all([list.load(1), form.loadRelated()]);
}

function selectField(id, label, ...options) {
  return field({ id, label, control: h('select', {}, ...options) });
}

function ticketForm(ctx, institutions, { onFiled }) {
  const alert = alertBox('error');
  const done = statusLine('fb-done');
  const school = selectField('fb-institution', t('fb.institution'),
    h('option', { value: '' }, t('fb.institution.placeholder')),
    institutions.map((s) => h('option', { value: s.code }, s.name)));
  if (institutions.length === 1) school.input.value = institutions[0].code;
  const category = selectField('fb-category', t('fb.category'),
    h('option', { value: '' }, t('fb.category.placeholder')),
    CATEGORIES.map((c) => h('option', { value: c }, t(`fb.category.${c}`))));
  const title = textField({
    id: 'fb-title-input', label: t('fb.titleField'), hint: t('fb.titleField.hint', { min: LIMITS.title[0], max: LIMITS.title[1] }),
    limits: LIMITS.title, single: true, placeholder: t('fb.titleField.placeholder'),
  });
  const text = textField({
    id: 'fb-content', label: t('fb.content'), hint: t('fb.content.hint', { min: LIMITS.content[0], max: LIMITS.content[1] }),
    limits: LIMITS.content, rows: 6, placeholder: t('fb.content.placeholder'),
  });
  const related = field({ id: 'fb-related', label: t('fb.related'), hint: 'fb-related-hint', control: h('select', {}) });
  related.wrap.insertBefore(h('p', { class: 'hint', id: 'fb-related-hint' }, t('fb.related.hint')), related.error);
  const files = evidencePicker({
    id: 'fb-files', max: MAX_ATTACHMENTS, label: t('fb.attachments'), hint: t('fb.attachments.hint', { n: MAX_ATTACHMENTS }),
  });
  const submit = h('button', { type: 'submit', class: 'button button--primary', id: 'fb-submit' }, t('fb.submit'));
  const left = h('p', { class: 'hint fb-left', id: 'fb-left-today', 'aria-live': 'polite' });
  const limited = waitLine(ctx, {
    id: 'fb-limited',
    during: (time) => t('fb.limited.wait', { time }),
    over: () => t('fb.limited.over'),
    onOver: () => { submit.disabled = false; },
  });
  const form = h('form', { class: 'form', novalidate: true, id: 'fb-form', 'aria-labelledby': 'fb-form-title' },
    alert.el, h('div', { class: 'form-pair' }, school.wrap, category.wrap), title.wrap, text.wrap, related.wrap, files.wrap,
    done.el, h('div', { class: 'form-actions fb-actions' }, submit, left), limited.el);
  const panel = h('section', { class: 'panel', id: 'fb-form-panel', 'aria-labelledby': 'fb-form-title' },
    h('h2', { class: 'panel__title', id: 'fb-form-title' }, t('fb.form.title')), form);
  if (!institutions.length) form.replaceChildren(h('p', { class: 'note note--flush', id: 'fb-no-school' }, t('fb.noSchool')));

  // The learner's registrations and applications, each with its school: {kind, id, name, status, school}.
  let records = [];
  function fillRelated() {
    const code = school.input.value;
    const keep = related.input.value;
    const mine = records.filter((r) => r.school === code);
    related.input.replaceChildren(
      h('option', { value: '' }, t(code ? 'fb.related.none' : 'fb.related.needSchool')),
      ...mine.map((r) => h('option', { value: r.id, 'data-kind': r.kind, selected: r.id === keep },
        t('fb.related.option', { kind: t(`fb.related.${r.kind}`), name: r.name, status: r.status }))));
    related.input.disabled = !code;
  }
  fillRelated();
  school.input.addEventListener('change', () => {
    fillRelated();
    related.setError(null);
  });

  async function loadRelated() {
    if (!institutions.length) return;
    const query = { query: { page: 1, pageSize: RELATED_PAGE } };
    const [registrations, applications] = await Promise.all([
      request('GET', '/achievement-registrations', query).catch(() => ({ items: [] })),
      request('GET', '/conversions', query).catch(() => ({ items: [] })),
    ]);
    if (!ctx.isCurrent()) return;
    records = [
      ...registrations.items.map((r) => ({ kind: 'REGISTRATION', id: r.id, name: r.name, status: r.statusLabel, school: r.institution?.code })),
      ...applications.items.map((a) => ({ kind: 'CONVERSION', id: a.id, name: a.rule?.name ?? '', status: a.statusLabel, school: a.institution?.code })),
    ];
    fillRelated();
  }

  // The API names the field it refuses (attachments[1]: the second file).
  const fields = {
    institution: school, category, title, content: text, relatedId: related, attachments: files, UPLOAD_INVALID: files,
  };

  function check() {
    const bad = [school, category, title, text].filter((f) => {
      const empty = !f.input.value.trim();
      f.setError(empty ? t('required') : null);
      return empty;
    });
    let problem = null;
    if (files.uploading()) problem = t('upload.wait');
    else if (files.failed()) problem = t('upload.removeFailed');
    files.setError(problem);
    if (problem) bad.push(files);
    return bad;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    alert.hide();
    done.hide();
    const bad = check();
    if (bad.length) {
      bad[0].input.focus();
      return;
    }
    const attachments = files.ids();
    const body = {
      institution: school.input.value,
      category: category.input.value,
      title: title.input.value.trim(),
      content: text.input.value.trim(),
      relatedId: related.input.value || undefined,
      attachments: attachments.length ? attachments : undefined,
    };
    submit.disabled = true;
    submit.textContent = t('fb.submitting');
    let view;
    try {
      view = await request('POST', '/feedback', { body });
    } catch (err) {
      submit.textContent = t('fb.submit');
      if (err.handled || !ctx.isCurrent()) {
        submit.disabled = false;
        return;
      }
      if (err.status === 429 && err.code === 'RATE_LIMITED') {
        // The day's tickets are used up: said, and the wait to China's midnight counted down.
        alert.show(err.message);
        showLeft(0);
        limited.show(err.retryAfter ?? 0);
        return;
      }
      submit.disabled = false;
      const target = fields[err.field] ?? fields[String(err.field ?? '').replace(/\[\d+\]$/, '')] ?? fields[err.code];
      if (target) {
        target.setError(err.message);
        target.input.focus();
      } else {
        alert.show(err.message);
        alert.el.scrollIntoView?.({ block: 'nearest' });
      }
      return;
    }
    submit.disabled = false;
    submit.textContent = t('fb.submit');
    if (!ctx.isCurrent()) return;
    for (const f of [title, text]) f.reset();
    category.input.value = '';
    related.input.value = '';
    files.clear();
    limited.hide();
    done.show(t('fb.submitted', { no: view.ticketNo }));
    onFiled(view);
  });

  function showLeft(n) {
    left.textContent = n > 0 ? t('fb.leftToday', { n, max: DAILY }) : t('fb.leftToday.none', { max: DAILY });
    left.classList.toggle('fb-left--none', n <= 0);
  }

  return { panel, loadRelated, left: showLeft };
}

function ticketList(ctx, { onOpen, onLeft }) {
  const status = field({
    id: 'fb-status', label: t('fb.filter.status'), labelClass: 'filter__label',
    control: h('select', {}, h('option', { value: '' }, t('fb.filter.all')), STATUSES.map((s) => h('option', { value: s }, t(`status.${s}`)))),
  });
  const error = alertBox('error');
  const items = h('ul', { class: 'reg-list', id: 'fb-list', 'aria-busy': 'true' });
  const prev = h('button', { type: 'button', class: 'button button--secondary', id: 'fb-prev', 'aria-disabled': 'true' }, t('ach.prev'));
  const next = h('button', { type: 'button', class: 'button button--secondary', id: 'fb-next', 'aria-disabled': 'true' }, t('ach.next'));
  const pageInfo = h('span', { class: 'pager__info', id: 'fb-page-info', 'aria-live': 'polite' });
  const pager = h('nav', { class: 'pager', 'aria-label': t('ach.pagination'), hidden: true }, prev, pageInfo, next);
  const panel = h('section', { class: 'panel', id: 'fb-list-panel', 'aria-labelledby': 'fb-list-title' },
    h('h2', { class: 'panel__title', id: 'fb-list-title' }, t('fb.list.title')),
    h('div', { class: 'queue-filter' }, status.wrap), error.el, items, pager);
  let page = 1;
  let totalPages = 1;
  let loading = false;

  async function load(to = page) {
    loading = true;
    items.setAttribute('aria-busy', 'true');
    let answer;
    try {
      answer = await request('GET', '/feedback', { query: { status: status.input.value, page: to, pageSize: PAGE_SIZE } });
    } catch (err) {
      loading = false;
      if (!err.handled && ctx.isCurrent()) error.show(err.message);
      return;
    }
    loading = false;
    if (!ctx.isCurrent()) return;
    error.hide();
    onLeft(answer.leftToday);
    page = answer.page;
    totalPages = Math.max(answer.totalPages, 1);
    if (answer.total && page > totalPages) {
      load(totalPages);
      return;
    }
    items.replaceChildren(...(answer.items.length ? answer.items.map(item)
      : [h('li', { class: 'reg-list__empty' }, t('fb.list.empty'))]));
    items.setAttribute('aria-busy', 'false');
    pager.hidden = totalPages <= 1;
    pageInfo.textContent = `${t('ach.page', { p: page })} · ${t('ach.pages', { n: totalPages })} · ${t('ach.total', { n: answer.total })}`;
    prev.setAttribute('aria-disabled', String(page <= 1));
    next.setAttribute('aria-disabled', String(page >= totalPages));
  }

  function item(view) {
    return h('li', { class: 'reg-item fb-item', id: `fb-${view.id}`, 'data-status': view.status },
      h('div', { class: 'reg-item__head' },
        h('h3', { class: 'reg-item__name fb-item__title' }, view.title), statusBadge(view.status, view.statusLabel)),
      h('p', { class: 'reg-item__meta' },
        `${t('fb.ticketNo')}：`, h('span', { class: 'fb-item__no' }, view.ticketNo), ' · ', view.categoryLabel, h('br'),
        `${view.institution?.name ?? ''} · ${t('fb.submittedAt')}：`,
        h('time', { datetime: view.submittedAt, class: 'reg-item__time' }, formatTime(view.submittedAt)), ' · ',
        t('fb.messages', { n: view.messageCount })),
      h('div', { class: 'reg-item__actions' },
        h('button', {
          type: 'button', class: 'link-button fb-open', 'aria-label': t('fb.open.label', { no: view.ticketNo, title: view.title }),
          onclick: () => onOpen(view.id),
        }, t('fb.open'))));
  }

  status.input.addEventListener('change', () => load(1));
  const turn = (button, by) => button.addEventListener('click', () => {
    if (loading || button.getAttribute('aria-disabled') === 'true') return;
    load(page + by);
  });
  turn(prev, -1);
  turn(next, 1);
  return { panel, load };
}

/** One ticket: details, attachments, the thread; a follow-up box and closing unless closed. */
function threadPanel(ctx, { onChanged }) {
  const shown = recordPanel(ctx, {
    ids: { panel: 'fb-detail', title: 'fb-detail-heading', body: 'fb-detail-body', close: 'fb-detail-close', done: 'fb-detail-done' },
    title: 'fb.detail.title',
    load: (id) => request('GET', `/feedback/${encodeURIComponent(id)}`),
    opener: (id) => `#fb-${CSS.escape(id)} .fb-open`,
    render: (view, { reopen }) => {
      const changed = (said) => {
        shown.done.show(said);
        shown.open(view.id, { focus: false, keepDone: true });
        onChanged();
      };
      const refresh = () => h('button', { type: 'button', class: 'link-button', onclick: reopen }, t('inst.refresh'));
      return [
        ticketDetails(view),
        attachmentLinks(view),
        h('button', { type: 'button', class: 'link-button', id: 'fb-detail-refresh', onclick: reopen }, t('reg.detail.refresh')),
        thread(view),
        ...(view.status === 'CLOSED'
          ? [h('p', { class: 'note', id: 'fb-closed-note' }, t('fb.closed.note'))]
          : [
              messageForm(ctx, {
                id: 'fb-reply', title: t('fb.reply'), label: t('fb.reply.label'), hint: t('fb.reply.hint'),
                submit: t('fb.reply.submit'),
                send: async (text) => {
                  await request('POST', `/feedback/${encodeURIComponent(view.id)}/messages`, { body: { content: text } });
                  if (ctx.isCurrent()) changed(t('fb.reply.sent'));
                },
                onConflict: () => [t('fb.conflict'), ' ', refresh()],
              }).form,
              closeBox(ctx, view, { onClosed: () => changed(t('fb.closed')), refresh }),
            ]),
      ];
    },
  });
  return shown;
}

/** 关闭问题: confirmed first, with an optional rating of 1–5. */
function closeBox(ctx, view, { onClosed, refresh }) {
  const open = h('button', { type: 'button', class: 'button button--secondary', id: 'fb-close' }, t('fb.close'));
  const choice = (value, text) => h('label', { class: 'choice' },
    h('input', { type: 'radio', name: 'fb-rating', value, id: `fb-rating-${value || 0}`, checked: value === '' }), ' ', text);
  const ratings = h('fieldset', { class: 'fieldset' },
    h('legend', { class: 'field__label' }, t('fb.close.rating')),
    h('div', { class: 'choices' }, choice('', t('fb.close.noRating')),
      [1, 2, 3, 4, 5].map((n) => choice(String(n), t('fb.close.star', { n })))));
  const problem = h('p', { class: 'field-error', role: 'alert', id: 'fb-close-error', hidden: true });
  const yes = h('button', { type: 'button', class: 'button button--danger', id: 'fb-close-yes' }, t('fb.close.yes'));
  const no = h('button', { type: 'button', class: 'button button--secondary', id: 'fb-close-no' }, t('fb.close.no'));
  const box = h('div', { class: 'confirm', role: 'group', id: 'fb-close-confirm', 'aria-label': t('fb.close'), hidden: true },
    h('p', { class: 'confirm__text' }, t('fb.close.confirm')), ratings, problem, h('div', { class: 'confirm__actions' }, yes, no));
  open.addEventListener('click', () => {
    open.hidden = true;
    box.hidden = false;
    box.querySelector('input:checked').focus();
  });
  no.addEventListener('click', () => {
    box.hidden = true;
    open.hidden = false;
    open.focus();
  });
  yes.addEventListener('click', async () => {
    const rating = box.querySelector('input[name="fb-rating"]:checked').value;
    yes.disabled = true;
    problem.hidden = true;
    try {
      await request('POST', `/feedback/${encodeURIComponent(view.id)}/close`, { body: rating ? { rating: Number(rating) } : {} });
    } catch (err) {
      yes.disabled = false;
      if (err.handled || !ctx.isCurrent()) return;
      if (err.code === 'STATE_CONFLICT') problem.replaceChildren(t('fb.conflict'), ' ', refresh());
      else problem.replaceChildren(err.message);
      problem.hidden = false;
      return;
    }
    if (ctx.isCurrent()) onClosed();
  });
  return h('div', { class: 'fb-close-block' }, open, box);
}

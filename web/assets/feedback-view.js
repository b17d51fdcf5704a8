// One 问题反馈 ticket as the learner, the school and the credit bank see it: its details, the
// first-answer limit (staff), the attachments (short-lived read URLs), the thread oldest first,
// and the message box with its character counter that every side writes in. Shared by the
// learner's 问题反馈 (feedback.js) and the school's inbox (school-feedback.js). Titles,
// messages, notes and file names are the learners' and staff's own words: they go in as text
// only (dom.js's h), never as markup.

import { resolveUrl } from './api.js';
import { alertBox, field, h } from './dom.js';
import { t } from './i18n.js';
import { formatTime, statusBadge } from './registration-view.js';
import { formatSize } from './uploads.js';

export const CATEGORIES = ['CONSULT', 'COMPLAINT', 'SUGGESTION', 'HELP', 'OTHER'];
export const STATUSES = ['SUBMITTED', 'FORWARDED', 'REPLIED', 'CLOSED'];
/** The API's limits (characters): a title, a question, a follow-up, reply or forwarding note. */
export const LIMITS = { title: [4, 30], content: [10, 600], message: [1, 600] };
/** New tickets a learner may file a day. */
export const DAILY = 5;
export const MAX_ATTACHMENTS = 3;

/** Characters as the API counts them (code points), of the trimmed text. */
export function length(text) {
  return [...String(text ?? '').trim()].length;
}

/** 2 days 3 hours, 5 hours 20 minutes, 12 minutes: a span of `seconds` (its sign dropped). */
export function duration(seconds) {
  const s = Math.abs(Math.trunc(seconds));
  const d = Math.floor(s / 86_400);
  const hh = Math.floor((s % 86_400) / 3600);
  const mm = Math.floor((s % 3600) / 60);
  if (d) return t('duration.days', { d, h: hh });
  if (hh) return t('duration.hours', { h: hh, m: mm });
  return t('duration.minutes', { m: mm });
}

/**
 * The first-answer limit ({dueAt, secondsLeft?, overdue, answeredAt?}) as one line: when it is
 * due and the time left, or by how much it is overdue (highlighted), or when it was answered.
 */
export function answerLimit(limit, id) {
  if (!limit) return null;
  const due = t('inst.fb.limit.due', { at: formatTime(limit.dueAt) });
  let state;
  if (limit.answeredAt) {
    state = t(limit.overdue ? 'inst.fb.limit.answeredLate' : 'inst.fb.limit.answered', { at: formatTime(limit.answeredAt) });
  } else if (limit.overdue) {
    state = t('inst.fb.limit.overdue', { time: duration(limit.secondsLeft ?? 0) });
  } else {
    state = t('inst.fb.limit.left', { time: duration(limit.secondsLeft ?? 0) });
  }
  const late = limit.overdue && !limit.answeredAt;
  return h('span', {
    class: `fb-limit${late ? ' fb-limit--overdue' : ''}${limit.answeredAt ? ' fb-limit--answered' : ''}`,
    id, 'data-overdue': String(Boolean(limit.overdue)),
  },
  h('span', { class: 'fb-limit__state' }, state), ' ', h('span', { class: 'fb-limit__due' }, due));
}

/** 成果登记：name, as the ticket names its related record. */
export function relatedText(related) {
  if (!related) return null;
  return `${related.kindLabel ?? t(`fb.related.${related.kind}`)}：${related.name}`;
}

function row(key, value, id) {
  if (value === null || value === undefined || value === '') return null;
  return h('div', {}, h('dt', {}, t(key)), h('dd', { id }, value));
}

/** The ticket's details (the learner and the answer limit first, for staff). */
export function ticketDetails(view, { staff = false } = {}) {
  return h('dl', { class: 'details' },
    row('fb.ticketNo', view.ticketNo, 'fb-detail-no'),
    staff && view.learner ? row('reg.learner', view.learner.name, 'fb-detail-learner-name') : null,
    staff && view.learner ? row('reg.learnerId', view.learner.idNumberMasked, 'fb-detail-learner-id') : null,
    row('fb.school', view.institution?.name, 'fb-detail-school'),
    row('fb.category', view.categoryLabel, 'fb-detail-category'),
    row('fb.titleField', view.title, 'fb-detail-title-text'),
    row('fb.relatedShort', relatedText(view.related), 'fb-detail-related'),
    h('div', {}, h('dt', {}, t('fb.status')), h('dd', {}, statusBadge(view.status, view.statusLabel, 'fb-detail-status'))),
    row('fb.submittedAt', formatTime(view.submittedAt), 'fb-detail-submitted-at'),
    row('fb.updatedAt', formatTime(view.updatedAt), 'fb-detail-updated-at'),
    staff ? row('inst.fb.limit', answerLimit(view.answerLimit, 'fb-detail-limit'), null) : null,
    view.rating ? row('fb.rating', t('fb.rating.value', { n: view.rating }), 'fb-detail-rating') : null);
}

/** The attachments, each a link to its read URL (new tab), its name as text. */
export function attachmentLinks(view) {
  const files = view.attachments ?? [];
  if (!files.length) return '';
  const items = files.map((a) => {
    const url = resolveUrl(a.url);
    const name = url
      ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'evidence__link' }, a.fileName)
      : h('span', {}, a.fileName);
    return h('li', {}, name, ' ', h('span', { class: 'hint evidence__size' }, formatSize(a.size)));
  });
  return h('div', { class: 'evidence' },
    h('h3', { class: 'section-title' }, t('fb.attachmentsShown')),
    h('ul', { class: 'evidence__list', id: 'fb-attachments' }, items),
    h('p', { class: 'hint' }, t('reg.evidence.expiry')));
}

/**
 * The thread, oldest first: who wrote, when, and what (as text, line breaks kept). A forwarding
 * whose note the reader may not see (the learner) says only that it was forwarded; a closing
 * shows its rating.
 */
export function thread(view) {
  const messages = [...(view.messages ?? [])].sort((a, b) => a.seq - b.seq);
  const items = messages.map((m) => {
    const head = h('p', { class: 'fb-message__head' },
      h('span', { class: 'fb-message__author' }, m.authorLabel),
      m.kind !== 'MESSAGE' ? h('span', { class: 'fb-message__kind' }, m.kindLabel) : null,
      h('time', { class: 'fb-message__time', datetime: m.at }, formatTime(m.at)));
    let body = null;
    if (m.content !== undefined && m.content !== null) {
      body = h('p', { class: 'fb-message__content' }, m.content);
    } else if (m.kind === 'FORWARD') {
      body = h('p', { class: 'fb-message__content fb-message__content--muted' }, t('fb.forward.hidden'));
    }
    return h('li', {
      class: `fb-message fb-message--${String(m.author).toLowerCase()} fb-message--${String(m.kind).toLowerCase()}`,
      'data-seq': String(m.seq), 'data-author': m.author, 'data-kind': m.kind,
    },
    head, body,
    m.rating ? h('p', { class: 'fb-message__rating' }, t('fb.message.rating', { n: m.rating })) : null);
  });
  return h('div', { class: 'fb-thread' },
    h('h3', { class: 'section-title' }, t('fb.thread')),
    h('ol', { class: 'fb-thread__list', id: 'fb-thread' }, items));
}

/**
 * A character counter under `input`: "12/600", warned below `min`. Returns the element (id
 * `<input id>-count`, read out with the input).
 */
export function counter(input, [min, max]) {
  const el = h('p', { class: 'hint fb-counter', id: `${input.id}-count`, 'aria-live': 'off' });
  const sync = () => {
    const n = length(input.value);
    el.textContent = t('fb.counter', { n, max });
    el.classList.toggle('fb-counter--short', n > 0 && n < min);
    el.classList.toggle('fb-counter--over', n > max);
  };
  input.addEventListener('input', sync);
  sync();
  return el;
}

/** A textarea (or with `single` a text input) with its limits said and its counter: a field(). */
export function textField({ id, label, hint, limits, rows = 4, placeholder, single = false }) {
  const maxlength = String(limits[1]);
  const control = single
    ? h('input', { type: 'text', autocomplete: 'off', placeholder, maxlength })
    : h('textarea', { rows: String(rows), placeholder, maxlength });
  // The hint and the counter are read out with the input.
  const f = field({ id, label, hint: `${id}-hint ${id}-count`, control });
  f.wrap.insertBefore(h('div', { class: 'fb-field-hints' },
    h('p', { class: 'hint', id: `${id}-hint` }, hint), counter(f.input, limits)), f.error);
  f.reset = () => {
    f.input.value = '';
    f.input.dispatchEvent(new Event('input'));
    f.setError(null);
  };
  return f;
}

/**
 * A form of one text (a follow-up, a reply, a forwarding note): `send(text)` posts it and
 * resolves when done; an API error is shown at the field (`field`: its name in the API's
 * errors), else above it; 409 STATE_CONFLICT as `onConflict()` gives it. {form, text, alert}.
 */
export function messageForm(ctx, {
  id, title, label, hint, submit: submitText, field: name = 'content', send, onConflict, extra = null,
}) {
  const alert = alertBox('error');
  const text = textField({ id: `${id}-text`, label, hint, limits: LIMITS.message, rows: 4 });
  const submit = h('button', { type: 'submit', class: 'button button--primary', id: `${id}-submit` }, submitText);
  const form = h('form', { class: 'form fb-form', novalidate: true, id, 'aria-labelledby': `${id}-title` },
    h('h3', { class: 'section-title', id: `${id}-title` }, title),
    alert.el, text.wrap, h('div', { class: 'form-actions' }, submit, extra));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    alert.hide();
    if (!text.input.value.trim()) {
      text.setError(t('required'));
      text.input.focus();
      return;
    }
    submit.disabled = true;
    try {
      await send(text.input.value.trim());
    } catch (err) {
      if (err.handled || !ctx.isCurrent()) return;
      if (err.code === 'STATE_CONFLICT' && onConflict) alert.show(...onConflict());
      else if (err.field === name) {
        text.setError(err.message);
        text.input.focus();
      } else alert.show(err.message);
      return;
    } finally {
      submit.disabled = false;
    }
  });
  return { form, text, alert };
}

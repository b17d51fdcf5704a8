// One registration as the learner and the school see it: the status badge, the details, the
// evidence links (short-lived read URLs from the API) and the history. Shared by 登记学习成果 and
// the school's review page. Every server text goes in as text.

import { resolveUrl } from './api.js';
import { h } from './dom.js';
import { lang, t } from './i18n.js';
import { formatSize } from './uploads.js';

/** An RFC 3339 time as China shows it (the API's times are China Standard Time). */
export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso ?? '');
  return date.toLocaleString(lang() === 'en' ? 'en-GB' : 'zh-CN', { hour12: false, timeZone: 'Asia/Shanghai' });
}

/** Today in China, YYYY-MM-DD (the API bounds the date obtained by it). */
export function chinaToday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date());
}

export function statusBadge(status, label, id) {
  return h('span', { class: `badge badge--${String(status).toLowerCase()}`, id }, label);
}

/** The reason of a return or rejection, labelled by which it was. */
export function reasonLine(view, id) {
  if (!view.reason || (view.status !== 'RETURNED' && view.status !== 'REJECTED')) return null;
  return h('p', { class: 'reason', id },
    h('span', { class: 'reason__label' }, t(view.status === 'RETURNED' ? 'reg.reason.returned' : 'reg.reason.rejected')),
    view.reason);
}

/** The registration's details as a definition list (the learner first, on the school's page). */
export function detailsList(view, { learner = false } = {}) {
  const row = (key, value, id) => (value === null || value === undefined || value === '' ? null
    : h('div', {}, h('dt', {}, t(key)), h('dd', { id }, value)));
  return h('dl', { class: 'details' },
    learner && view.learner ? row('reg.learner', view.learner.name, 'detail-learner-name') : null,
    learner && view.learner ? row('reg.learnerId', view.learner.idNumberMasked, 'detail-learner-id') : null,
    row('reg.name', view.name, 'detail-name'),
    row('reg.type', view.typeLabel, 'detail-type'),
    row('reg.subtype', view.subtypeLabel, 'detail-subtype'),
    row('reg.issuer', view.issuer, 'detail-issuer'),
    row('reg.certificateNo', view.certificateNo, 'detail-certificate-no'),
    row('reg.obtainedAt', view.obtainedAt, 'detail-obtained-at'),
    row('reg.institution', view.institution?.name, 'detail-institution'),
    row('reg.submittedAt', formatTime(view.submittedAt), 'detail-submitted-at'),
    h('div', {}, h('dt', {}, t('reg.status')), h('dd', {}, statusBadge(view.status, view.statusLabel, 'detail-status'))),
    row('reg.credits', view.credits === null || view.credits === undefined ? null : String(view.credits), 'detail-credits'),
    row('reg.points', view.status === 'APPROVED' && view.points !== null && view.points !== undefined ? String(view.points) : null, 'detail-points'));
}

/** The evidence files, each a link to its read URL (new tab), with the URL's short life said. */
export function evidenceLinks(view) {
  const items = (view.evidence ?? []).map((e) => {
    const url = resolveUrl(e.url);
    const name = url
      ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'evidence__link' }, e.fileName)
      : h('span', {}, e.fileName);
    return h('li', {}, name, ' ', h('span', { class: 'hint evidence__size' }, formatSize(e.size)));
  });
  return h('div', { class: 'evidence' },
    h('h3', { class: 'section-title' }, t('reg.evidence')),
    items.length ? h('ul', { class: 'evidence__list', id: 'detail-evidence' }, items) : h('p', { class: 'hint' }, t('reg.evidence.none')),
    items.length ? h('p', { class: 'hint' }, t('reg.evidence.expiry')) : null);
}

/** What happened to the registration, oldest first. */
export function historyList(view) {
  const steps = (view.history ?? []).map((s) => h('li', { class: 'history__step' },
    h('span', { class: 'history__time' }, formatTime(s.at)),
    h('span', { class: 'history__action' }, s.actionLabel),
    h('span', { class: 'history__by' }, t(s.by === 'LEARNER' ? 'reg.by.learner' : 'reg.by.school')),
    s.reason ? h('span', { class: 'history__reason' }, `${t('reg.reason')}${s.reason}`) : null));
  return h('div', { class: 'history' },
    h('h3', { class: 'section-title' }, t('reg.history')),
    h('ol', { class: 'history__list', id: 'detail-history' }, steps));
}

// 登记学习成果 (#/register, from the centre's quick entry): the form (the school from GET /me's
// institutions, name, type and subtype from GET /achievement-types, issuer, certificate number,
// date obtained, evidence uploaded as it is chosen) sent as POST /achievement-registrations, or
// as PUT /achievement-registrations/{id} when a returned one is corrected; under it the
// learner's registrations (GET /achievement-registrations) with withdrawal, and one
// registration's details, evidence and history (GET /achievement-registrations/{id}).

import { request } from './api.js';
import { alertBox, field, h, statusLine } from './dom.js';
import { t } from './i18n.js';
import {
  chinaToday, detailsList, evidenceLinks, formatTime, historyList, reasonLine, statusBadge,
} from './registration-view.js';
import { recordPanel, withdrawConfirm } from './panel.js';
import { flashNotice, withMenu } from './shell.js';
import { evidencePicker } from './uploads.js';

export const PAGE_SIZE = 10;
const OPEN = ['PENDING', 'RETURNED'];

export default async function register(root, ctx) {
  const content = withMenu(root, 'register');
  content.append(h('h1', { class: 'page-title', id: 'reg-title' }, t('reg.title')), flashNotice(ctx.flash) ?? '');
  ctx.ready();
  let me;
  let catalogue;
  try {
    [me, catalogue] = await Promise.all([
      request('GET', '/me'),
      request('GET', '/achievement-types', { auth: false }),
    ]);
  } catch (err) {
    if (!err.handled && ctx.isCurrent()) content.append(h('p', { class: 'alert alert--error', role: 'alert' }, err.message));
    return;
  }
  if (!ctx.isCurrent()) return;

  const list = registrationList(ctx, {
    onDetail: (id) => detail.open(id),
    onResubmit: (id) => form.edit(id),
    onChanged: (id) => { if (detail.shown() === id) detail.open(id, { focus: false }); },
  });
  const form = registrationForm(ctx, me.institutions ?? [], catalogue.types ?? [], {
    onSaved: (view) => {
      list.load(1);
      if (detail.shown() === view.id) detail.open(view.id, { focus: false });
    },
  });
  const detail = detailPanel(ctx, { onResubmit: (id) => form.edit(id) });
  content.append(form.panel, list.panel, detail.panel);
  list.load(1);
}

/** Marks the empty ones of `fields` as required; returns those. */
function missing(...fields) {
  return fields.filter((f) => {
    const empty = !f.input.value.trim();
    f.setError(empty ? t('required') : null);
    return empty;
  });
}

function selectField(id, label) {
  return field({ id, label, control: h('select', { required: true }) });
}

function registrationForm(ctx, institutions, types, { onSaved }) {
  const alert = alertBox('error');
  const done = statusLine('reg-done');
  const title = h('h2', { class: 'panel__title', id: 'reg-form-title', tabindex: '-1' }, t('reg.form.title'));
  const returned = h('p', { class: 'note note--flush', id: 'reg-returned-note', hidden: true });

  // The school: a choice only when the learner has more than one.
  const institution = selectField('reg-institution', t('reg.institution'));
  institution.input.append(h('option', { value: '' }, t('reg.institution.placeholder')),
    ...institutions.map((s) => h('option', { value: s.code }, s.name)));
  // A fixed school (the only one, or a returned registration's) shows as a read-only input.
  const fixedSchool = h('input', { type: 'text', id: 'reg-institution-fixed', readonly: true, hidden: true });
  institution.wrap.insertBefore(fixedSchool, institution.error);
  const schoolLabel = institution.wrap.querySelector('label');
  const showSchool = (fixed) => {
    institution.input.hidden = Boolean(fixed);
    institution.input.disabled = Boolean(fixed);
    fixedSchool.hidden = !fixed;
    fixedSchool.value = fixed?.name ?? '';
    schoolLabel.htmlFor = fixed ? fixedSchool.id : institution.input.id;
    if (fixed) institution.input.value = fixed.code;
  };
  const onlySchool = institutions.length === 1 ? institutions[0] : null;
  showSchool(onlySchool);

  const name = field({ id: 'reg-name', label: t('reg.name'), placeholder: t('reg.name.placeholder'), maxlength: 200, required: true, autocomplete: 'off' });
  const type = selectField('reg-type', t('reg.type'));
  const subtype = selectField('reg-subtype', t('reg.subtype'));
  const issuer = field({ id: 'reg-issuer', label: t('reg.issuer'), placeholder: t('reg.issuer.placeholder'), maxlength: 200, required: true, autocomplete: 'off' });
  const certificateNo = field({ id: 'reg-certificateNo', label: t('reg.certificateNo.optional'), placeholder: t('reg.certificateNo.placeholder'), maxlength: 64, autocomplete: 'off' });
  const obtainedAt = field({ id: 'reg-obtainedAt', label: t('reg.obtainedAt'), type: 'date', max: chinaToday(), min: '1949-01-01', required: true });
  const evidence = evidencePicker({ id: 'reg-evidence' });
  const submit = h('button', { type: 'submit', class: 'button button--primary', id: 'reg-submit' }, t('reg.submit'));
  const cancel = h('button', { type: 'button', class: 'button button--secondary', id: 'reg-cancel', hidden: true }, t('reg.cancelEdit'));

  type.input.append(h('option', { value: '' }, t('ach.type.placeholder')),
    ...types.map((ty) => h('option', { value: ty.code }, ty.label)));
  const fillSubtypes = (keep = '') => {
    const chosen = types.find((ty) => ty.code === type.input.value);
    subtype.input.replaceChildren(h('option', { value: '' }, t('ach.subtype.placeholder')),
      ...(chosen?.subtypes ?? []).map((s) => h('option', { value: s.code, selected: s.code === keep }, s.label)));
  };
  fillSubtypes();
  type.input.addEventListener('change', () => fillSubtypes());

  // The API names the field it refuses; a few errors belong to a field by their code.
  const fields = {
    institution, name, type, subtype, issuer, certificateNo, obtainedAt, evidence,
    UPLOAD_INVALID: evidence, DUPLICATE: certificateNo,
  };
  const form = h('form', { class: 'form', novalidate: true, id: 'reg-form', 'aria-labelledby': 'reg-form-title' },
    returned, alert.el, institution.wrap, name.wrap,
    h('div', { class: 'form-pair' }, type.wrap, subtype.wrap),
    h('div', { class: 'form-pair' }, issuer.wrap, certificateNo.wrap),
    obtainedAt.wrap, evidence.wrap, done.el,
    h('div', { class: 'form-actions' }, submit, cancel));
  const panel = h('section', { class: 'panel', id: 'reg-form-panel', 'aria-labelledby': 'reg-form-title' }, title, form);

  let editing = null; // the returned registration being corrected
  if (!institutions.length) {
    form.replaceChildren(h('p', { class: 'note note--flush', id: 'reg-no-school' }, t('reg.noSchool')));
  }

  function reset() {
    editing = null;
    for (const f of [name, issuer, certificateNo, obtainedAt]) {
      f.input.value = '';
      f.setError(null);
    }
    institution.input.value = '';
    showSchool(onlySchool);
    for (const f of [institution, type, subtype]) f.setError(null);
    type.input.value = '';
    fillSubtypes();
    evidence.clear();
    alert.hide();
    returned.hidden = true;
    title.textContent = t('reg.form.title');
    submit.textContent = t('reg.submit');
    cancel.hidden = true;
  }

  function check() {
    const bad = missing(institution, name, type, subtype, issuer, obtainedAt);
    const date = obtainedAt.input.value;
    if (date && date > chinaToday()) {
      obtainedAt.setError(t('reg.obtainedAt.future'));
      bad.push(obtainedAt);
    }
    let evidenceProblem = null;
    if (evidence.uploading()) evidenceProblem = t('upload.wait');
    else if (evidence.failed()) evidenceProblem = t('upload.removeFailed');
    else if (!evidence.ids().length) evidenceProblem = t('upload.required');
    evidence.setError(evidenceProblem);
    if (evidenceProblem) bad.push(evidence);
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
    const body = {
      institution: institution.input.value,
      name: name.input.value.trim(),
      type: type.input.value,
      subtype: subtype.input.value,
      issuer: issuer.input.value.trim(),
      certificateNo: certificateNo.input.value.trim() || undefined,
      obtainedAt: obtainedAt.input.value,
      evidence: evidence.ids(),
    };
    submit.disabled = true;
    submit.textContent = t('reg.submitting');
    const wasEditing = editing;
    try {
      const view = wasEditing
        ? await request('PUT', `/achievement-registrations/${encodeURIComponent(wasEditing.id)}`, { body })
        : await request('POST', '/achievement-registrations', { body });
      if (!ctx.isCurrent()) return;
      reset();
      done.show(t(wasEditing ? 'reg.resubmitted' : 'reg.submitted', { name: view.name }));
      onSaved(view);
    } catch (err) {
      if (err.handled || !ctx.isCurrent()) return;
      const target = fields[err.field] ?? fields[String(err.field ?? '').replace(/\[\d+\]$/, '')] ?? fields[err.code];
      if (target) {
        target.setError(err.message);
        target.input.focus();
      } else {
        alert.show(err.message);
        alert.el.scrollIntoView?.({ block: 'nearest' });
      }
    } finally {
      submit.disabled = false;
      submit.textContent = t(editing ? 'reg.resubmit' : 'reg.submit');
    }
  });

  cancel.addEventListener('click', () => {
    reset();
    title.focus();
  });

  /** Opens registration `id` (returned) in the form, its evidence kept. */
  async function edit(id) {
    let view;
    try {
      view = await request('GET', `/achievement-registrations/${encodeURIComponent(id)}`);
    } catch (err) {
      if (!err.handled && ctx.isCurrent()) alert.show(err.message);
      return;
    }
    if (!ctx.isCurrent()) return;
    reset();
    editing = view;
    // A resubmission stays with its school.
    if (!institutions.some((s) => s.code === view.institution.code)) {
      institution.input.append(h('option', { value: view.institution.code }, view.institution.name));
    }
    showSchool(view.institution);
    name.input.value = view.name;
    type.input.value = view.type;
    fillSubtypes(view.subtype);
    issuer.input.value = view.issuer;
    certificateNo.input.value = view.certificateNo ?? '';
    obtainedAt.input.value = view.obtainedAt;
    evidence.keep(view.evidence ?? []);
    returned.replaceChildren(h('strong', {}, t('reg.reason.returned')), view.reason ?? '');
    returned.hidden = !view.reason;
    title.textContent = t('reg.form.edit', { name: view.name });
    submit.textContent = t('reg.resubmit');
    cancel.hidden = false;
    panel.scrollIntoView?.({ block: 'start' });
    title.focus({ preventScroll: true });
  }

  return { panel, edit };
}

function registrationList(ctx, { onDetail, onResubmit, onChanged }) {
  const open = h('p', { class: 'hint', id: 'reg-open' });
  const error = alertBox('error');
  const items = h('ul', { class: 'reg-list', id: 'reg-list', 'aria-busy': 'true' });
  const prev = h('button', { type: 'button', class: 'button button--secondary', id: 'reg-prev', 'aria-disabled': 'true' }, t('ach.prev'));
  const next = h('button', { type: 'button', class: 'button button--secondary', id: 'reg-next', 'aria-disabled': 'true' }, t('ach.next'));
  const pageInfo = h('span', { class: 'pager__info', id: 'reg-page-info', 'aria-live': 'polite' });
  const pager = h('nav', { class: 'pager', 'aria-label': t('ach.pagination'), hidden: true }, prev, pageInfo, next);
  const panel = h('section', { class: 'panel', id: 'reg-list-panel', 'aria-labelledby': 'reg-list-title' },
    h('h2', { class: 'panel__title', id: 'reg-list-title' }, t('reg.list.title')), open, error.el, items, pager);
  let page = 1;
  let totalPages = 1;
  let loading = false;

  async function load(to = page) {
    loading = true;
    items.setAttribute('aria-busy', 'true');
    let answer;
    try {
      answer = await request('GET', '/achievement-registrations', { query: { page: to, pageSize: PAGE_SIZE } });
    } catch (err) {
      loading = false;
      if (!err.handled && ctx.isCurrent()) error.show(err.message);
      return;
    }
    loading = false;
    if (!ctx.isCurrent()) return;
    error.hide();
    page = answer.page;
    totalPages = Math.max(answer.totalPages, 1);
    if (answer.total && page > totalPages) {
      load(totalPages);
      return;
    }
    open.textContent = t('reg.open', { n: answer.open, max: answer.maxOpen });
    items.replaceChildren(...(answer.items.length
      ? answer.items.map(item)
      : [h('li', { class: 'reg-list__empty' }, t('reg.list.empty'))]));
    items.setAttribute('aria-busy', 'false');
    pager.hidden = totalPages <= 1;
    pageInfo.textContent = `${t('ach.page', { p: page })} · ${t('ach.pages', { n: totalPages })} · ${t('ach.total', { n: answer.total })}`;
    prev.setAttribute('aria-disabled', String(page <= 1));
    next.setAttribute('aria-disabled', String(page >= totalPages));
  }

  function item(view) {
    const status = statusBadge(view.status, view.statusLabel);
    const actions = h('div', { class: 'reg-item__actions' },
      h('button', { type: 'button', class: 'link-button reg-detail', onclick: () => onDetail(view.id) }, t('reg.detail')),
      view.status === 'RETURNED'
        ? h('button', { type: 'button', class: 'link-button reg-resubmit', onclick: () => onResubmit(view.id) }, t('reg.resubmitOpen'))
        : null,
      OPEN.includes(view.status)
        ? h('button', { type: 'button', class: 'link-button link-button--danger reg-withdraw', onclick: () => confirmation.show() }, t('reg.withdraw'))
        : null);
    const confirmation = withdrawConfirm(ctx, {
      message: t('reg.withdraw.confirm', { name: view.name }),
      url: `/achievement-registrations/${encodeURIComponent(view.id)}/withdraw`,
      prefix: 'reg',
      actions,
      onDone: () => { load(); onChanged(view.id); },
    });
    return h('li', { class: 'reg-item', id: `reg-${view.id}`, 'data-status': view.status },
      h('div', { class: 'reg-item__head' },
        h('h3', { class: 'reg-item__name' }, view.name), status),
      h('p', { class: 'reg-item__meta' },
        [view.typeLabel, view.subtypeLabel, view.issuer].filter(Boolean).join(' · ')),
      h('p', { class: 'reg-item__meta' },
        `${t('reg.institution')}：${view.institution?.name ?? ''}`, h('br'),
        `${t('reg.submittedAt')}：`, h('time', { datetime: view.submittedAt, class: 'reg-item__time' }, formatTime(view.submittedAt))),
      reasonLine(view),
      view.status === 'APPROVED' && view.credits !== null && view.credits !== undefined
        ? h('p', { class: 'reg-item__credits' }, t('reg.credits.granted', { n: view.credits }))
        : null,
      actions, confirmation.el);
  }

  const turn = (button, by) => button.addEventListener('click', () => {
    if (loading || button.getAttribute('aria-disabled') === 'true') return;
    load(page + by);
  });
  turn(prev, -1);
  turn(next, 1);
  return { panel, load };
}

/** The confirmation of a withdrawal, in place of the row's actions: {el, show()}. */
function detailPanel(ctx, { onResubmit }) {
  return recordPanel(ctx, {
    ids: { panel: 'reg-detail', title: 'reg-detail-title', body: 'reg-detail-body', close: 'reg-detail-close' },
    title: 'reg.detail.title',
    load: (id) => request('GET', `/achievement-registrations/${encodeURIComponent(id)}`),
    opener: (id) => `#reg-${CSS.escape(id)} .reg-detail`,
    render: (view, { reopen }) => [
      reasonLine(view, 'detail-reason') ?? '',
      detailsList(view),
      evidenceLinks(view),
      h('button', { type: 'button', class: 'link-button', id: 'reg-detail-refresh', onclick: reopen }, t('reg.detail.refresh')),
      historyList(view),
      view.status === 'RETURNED'
        ? h('div', { class: 'form-actions' },
            h('button', { type: 'button', class: 'button button--primary', id: 'reg-detail-resubmit', onclick: () => onResubmit(view.id) }, t('reg.resubmitOpen')))
        : '',
    ],
  });
}

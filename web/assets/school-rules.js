// The school's conversion rules (institution.html#/rules): the list by status (GET
// /institution/conversion-rules), a draft created or edited with a form for every field (POST,
// PUT /institution/conversion-rules/{id}: drafts only), published (…/{id}/publish) and retired
// (…/{id}/retire) after a confirmation. The API checks every field; its message is shown at the
// field it names (`source.subtype`, `target.courseCode`, …).

import { alertBox, field, h, statusLine } from './dom.js';
import { t } from './i18n.js';
import { courseText, periodText, sourceText } from './conversion-view.js';
import { chinaToday, statusBadge } from './registration-view.js';
import { call } from './queue.js';
import { request } from './api.js';

export const PAGE_SIZE = 10;
const BASE = '/institution/conversion-rules';
const STATUSES = ['', 'DRAFT', 'PUBLISHED', 'RETIRED'];
const LEVELS = ['JUNIOR', 'INTERMEDIATE', 'SENIOR'];
const MODES = ['EXEMPT', 'REPLACE'];
const CREDITS = /^\d{1,4}(\.\d)?$/;

export default async function schoolRules(root, ctx) {
  const list = ruleList(ctx, { onEdit: (rule) => form.edit(rule), onNew: () => form.create() });
  const form = ruleForm(ctx, {
    onSaved: (view, created) => {
      list.saved(t(created ? 'inst.rules.created' : 'inst.rules.updated', { name: view.name }), view.id);
    },
  });
  root.append(h('div', { class: 'rules-layout' }, list.panel, form.panel));
  const [catalogue] = await Promise.all([
    request('GET', '/achievement-types', { auth: false }).catch((err) => {
      list.problem(err.message);
      return { types: [] };
    }),
    list.load(1),
  ]);
  if (ctx.isCurrent()) form.types(catalogue.types ?? []);
}

function ruleList(ctx, { onEdit, onNew }) {
  const status = field({
    id: 'rules-status', label: t('inst.rules.filter'), labelClass: 'filter__label',
    control: h('select', {}, STATUSES.map((s) => h('option', { value: s }, t(s ? `rule.status.${s}` : 'inst.rules.all')))),
  });
  const create = h('button', { type: 'button', class: 'button button--primary', id: 'rule-new' }, t('inst.rules.new'));
  const done = statusLine('rules-done');
  const error = alertBox('error');
  const tbody = h('tbody', { id: 'rules-rows' });
  const table = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'rules-list-title' },
    h('table', { class: 'table', id: 'rules-table', 'aria-busy': 'true' },
      h('thead', {}, h('tr', {},
        ['name', 'source', 'course', 'credits', 'period', 'status', 'action'].map((c) => h('th', { scope: 'col' }, t(`inst.rules.col.${c}`))))),
      tbody));
  const prev = h('button', { type: 'button', class: 'button button--secondary', id: 'rules-prev', 'aria-disabled': 'true' }, t('ach.prev'));
  const next = h('button', { type: 'button', class: 'button button--secondary', id: 'rules-next', 'aria-disabled': 'true' }, t('ach.next'));
  const pageInfo = h('span', { class: 'pager__info', id: 'rules-page-info', 'aria-live': 'polite' });
  const panel = h('section', { class: 'panel', id: 'rules-panel', 'aria-labelledby': 'rules-list-title' },
    h('h2', { class: 'panel__title', id: 'rules-list-title' }, t('inst.rules.list')),
    h('div', { class: 'queue-filter' }, status.wrap, create),
    done.el, error.el, table,
    h('nav', { class: 'pager', 'aria-label': t('ach.pagination') }, prev, pageInfo, next));
  let page = 1;
  let totalPages = 1;
  let loading = false;
  let focusAfter = null; // the row whose first action takes the focus once listed

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
    totalPages = Math.max(answer.totalPages, 1);
    if (answer.total && page > totalPages) {
      load(totalPages);
      return;
    }
    tbody.replaceChildren(...(answer.items.length ? answer.items.map(row)
      : [h('tr', {}, h('td', { colspan: '7', class: 'table__empty' }, t('inst.rules.empty')))]));
    table.firstChild.setAttribute('aria-busy', 'false');
    pageInfo.textContent = `${t('ach.page', { p: page })} · ${t('ach.pages', { n: totalPages })} · ${t('ach.total', { n: answer.total })}`;
    prev.setAttribute('aria-disabled', String(page <= 1));
    next.setAttribute('aria-disabled', String(page >= totalPages));
    if (focusAfter) {
      document.querySelector(`#rule-${CSS.escape(focusAfter)} .rule-actions button`)?.focus();
      focusAfter = null;
    }
  }

  function row(rule) {
    const actions = h('div', { class: 'rule-actions' },
      rule.status === 'DRAFT' ? h('button', {
        type: 'button', class: 'button button--secondary button--small rule-edit',
        'aria-label': t('inst.rules.edit.label', { name: rule.name }), onclick: () => onEdit(rule),
      }, t('inst.rules.edit')) : null,
      rule.status === 'DRAFT' ? h('button', {
        type: 'button', class: 'button button--primary button--small rule-publish',
        'aria-label': t('inst.rules.publish.label', { name: rule.name }), onclick: () => confirmation.show('publish'),
      }, t('inst.rules.publish')) : null,
      rule.status === 'PUBLISHED' ? h('button', {
        type: 'button', class: 'button button--danger button--small rule-retire',
        'aria-label': t('inst.rules.retire.label', { name: rule.name }), onclick: () => confirmation.show('retire'),
      }, t('inst.rules.retire')) : null);
    const confirmation = changeConfirm(ctx, rule, {
      actions,
      onDone: (after, action) => {
        done.show(t(`inst.rules.done.${action}`, { name: after.name }));
        focusAfter = null;
        load();
      },
    });
    const inForce = rule.status === 'PUBLISHED' && !rule.inForce
      ? h('span', { class: 'hint rule-not-in-force' }, t('inst.rules.notInForce')) : null;
    return h('tr', { id: `rule-${rule.id}`, 'data-status': rule.status },
      h('td', { class: 'col-name' }, rule.name),
      h('td', {}, sourceText(rule)),
      h('td', {}, courseText(rule.target), h('br'), h('span', { class: 'hint' }, rule.target.modeLabel)),
      h('td', { class: 'col-credits' }, t('inst.rules.creditsCell', { credits: rule.target.credits, max: rule.maxCredits })),
      h('td', {}, periodText(rule)),
      h('td', {}, statusBadge(rule.status, rule.statusLabel), inForce ? h('br') : null, inForce),
      h('td', {}, actions, confirmation.el));
  }

  status.input.addEventListener('change', () => load(1));
  create.addEventListener('click', () => onNew());
  const turn = (button, by) => button.addEventListener('click', () => {
    if (loading || button.getAttribute('aria-disabled') === 'true') return;
    load(page + by);
  });
  turn(prev, -1);
  turn(next, 1);
  return {
    panel,
    load,
    problem: (message) => error.show(message),
    saved(message, id) {
      done.show(message);
      focusAfter = id;
      load(1);
    },
  };
}

/** The confirmation of a publication or retirement, in place of the row's actions. */
function changeConfirm(ctx, rule, { actions, onDone }) {
  const message = h('p', { class: 'confirm__text' });
  const problem = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const yes = h('button', { type: 'button', class: 'button button--primary rule-confirm-yes' });
  const no = h('button', { type: 'button', class: 'button button--secondary rule-confirm-no' }, t('reg.withdraw.no'));
  const el = h('div', { class: 'confirm', role: 'group', hidden: true }, message, problem, h('div', { class: 'confirm__actions' }, yes, no));
  let action = null;
  no.addEventListener('click', () => {
    el.hidden = true;
    actions.hidden = false;
    actions.querySelector(`.rule-${action}`)?.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    problem.hidden = true;
    let after;
    try {
      after = await call(ctx, 'POST', `${BASE}/${encodeURIComponent(rule.id)}/${action}`);
    } catch (err) {
      yes.disabled = false;
      if (err.handled || !ctx.isCurrent()) return;
      problem.textContent = err.code === 'STATE_CONFLICT' ? t('inst.conflict') : err.message;
      problem.hidden = false;
      return;
    }
    if (ctx.isCurrent()) onDone(after, action);
  });
  return {
    el,
    show(which) {
      action = which;
      message.textContent = t(`inst.rules.${which}.confirm`, { name: rule.name });
      yes.textContent = t(`inst.rules.${which}.yes`);
      yes.className = `button ${which === 'retire' ? 'button--danger' : 'button--primary'} rule-confirm-yes`;
      el.setAttribute('aria-label', t(`inst.rules.${which}`));
      problem.hidden = true;
      yes.disabled = false;
      actions.hidden = true;
      el.hidden = false;
      no.focus();
    },
  };
}

function ruleForm(ctx, { onSaved }) {
  const alert = alertBox('error');
  const title = h('h2', { class: 'panel__title', id: 'rule-form-title', tabindex: '-1' }, t('inst.rules.form.new'));
  const select = (id, label, options) => field({ id, label, control: h('select', {}, options) });
  const name = field({ id: 'rule-name', label: t('inst.rules.name'), maxlength: 60, autocomplete: 'off', required: true, placeholder: t('inst.rules.name.placeholder') });
  const type = select('rule-type', t('ach.type'), []);
  const subtype = select('rule-subtype', t('ach.subtype'), []);
  const certificate = field({
    id: 'rule-certificate', label: t('inst.rules.certificate'), maxlength: 60, autocomplete: 'off',
    hint: 'rule-certificate-hint', placeholder: t('inst.rules.certificate.placeholder'),
  });
  certificate.wrap.insertBefore(h('p', { class: 'hint', id: 'rule-certificate-hint' }, t('inst.rules.certificate.hint')), certificate.error);
  const minLevel = select('rule-minLevel', t('inst.rules.minLevel'),
    [h('option', { value: '' }, t('inst.rules.minLevel.any')), ...LEVELS.map((l) => h('option', { value: l }, t(`rule.level.${l}`)))]);
  const courseCode = field({ id: 'rule-courseCode', label: t('inst.rules.courseCode'), maxlength: 20, autocomplete: 'off', spellcheck: 'false', required: true, placeholder: 'ELE-201' });
  const courseName = field({ id: 'rule-courseName', label: t('inst.rules.courseName'), maxlength: 60, autocomplete: 'off', required: true });
  const credits = field({ id: 'rule-credits', label: t('inst.rules.credits'), inputmode: 'decimal', maxlength: 6, autocomplete: 'off', required: true, hint: 'rule-credits-hint' });
  credits.wrap.insertBefore(h('p', { class: 'hint', id: 'rule-credits-hint' }, t('inst.rules.credits.hint')), credits.error);
  const mode = select('rule-mode', t('inst.rules.mode'), MODES.map((m) => h('option', { value: m }, t(`rule.mode.${m}`))));
  const maxCredits = field({ id: 'rule-maxCredits', label: t('inst.rules.maxCredits'), inputmode: 'decimal', maxlength: 6, autocomplete: 'off', required: true, value: '8', hint: 'rule-maxCredits-hint' });
  maxCredits.wrap.insertBefore(h('p', { class: 'hint', id: 'rule-maxCredits-hint' }, t('inst.rules.maxCredits.hint')), maxCredits.error);
  const from = field({ id: 'rule-from', label: t('inst.rules.from'), type: 'date', min: '2000-01-01', max: '2099-12-31', required: true });
  const to = field({ id: 'rule-to', label: t('inst.rules.to'), type: 'date', min: '2000-01-01', max: '2099-12-31', hint: 'rule-to-hint' });
  to.wrap.insertBefore(h('p', { class: 'hint', id: 'rule-to-hint' }, t('inst.rules.to.hint')), to.error);
  const submit = h('button', { type: 'submit', class: 'button button--primary', id: 'rule-submit' }, t('inst.rules.save'));
  const cancel = h('button', { type: 'button', class: 'button button--secondary', id: 'rule-cancel' }, t('inst.rules.cancel'));

  // The API's field names (as the body nests them) → the form's fields.
  const fields = {
    name,
    source: type, 'source.type': type, 'source.subtype': subtype, 'source.name': certificate, 'source.minLevel': minLevel,
    target: courseCode, 'target.courseCode': courseCode, 'target.courseName': courseName, 'target.credits': credits, 'target.mode': mode,
    maxCredits, effectiveFrom: from, effectiveTo: to,
  };
  const form = h('form', { class: 'form', novalidate: true, id: 'rule-form', 'aria-labelledby': 'rule-form-title' },
    alert.el, name.wrap,
    h('fieldset', { class: 'fieldset rule-fieldset' }, h('legend', { class: 'section-title' }, t('inst.rules.sourceLegend')),
      h('div', { class: 'form-pair' }, type.wrap, subtype.wrap),
      h('div', { class: 'form-pair' }, certificate.wrap, minLevel.wrap)),
    h('fieldset', { class: 'fieldset rule-fieldset' }, h('legend', { class: 'section-title' }, t('inst.rules.targetLegend')),
      h('div', { class: 'form-pair' }, courseCode.wrap, courseName.wrap),
      h('div', { class: 'form-pair' }, credits.wrap, mode.wrap)),
    maxCredits.wrap,
    h('div', { class: 'form-pair' }, from.wrap, to.wrap),
    h('div', { class: 'form-actions' }, submit, cancel));
  const panel = h('section', { class: 'panel', id: 'rule-form-panel', 'aria-labelledby': 'rule-form-title', hidden: true }, title, form);
  let catalogue = [];
  let editing = null;

  const fillSubtypes = (keep = '') => {
    const chosen = catalogue.find((ty) => ty.code === type.input.value);
    subtype.input.replaceChildren(h('option', { value: '' }, t('ach.subtype.placeholder')),
      ...(chosen?.subtypes ?? []).map((s) => h('option', { value: s.code, selected: s.code === keep }, s.label)));
  };
  type.input.addEventListener('change', () => fillSubtypes());
  for (const f of [type, subtype, minLevel, mode]) f.input.addEventListener('change', () => f.setError(null));

  function reset() {
    for (const f of Object.values(fields)) f.setError(null);
    alert.hide();
    for (const f of [name, certificate, courseCode, courseName, credits, to]) f.input.value = '';
    type.input.value = '';
    fillSubtypes();
    minLevel.input.value = '';
    mode.input.value = 'EXEMPT';
    maxCredits.input.value = '8';
    from.input.value = chinaToday();
  }

  function show() {
    panel.hidden = false;
    panel.scrollIntoView?.({ block: 'start' });
    title.focus({ preventScroll: true });
  }

  function check() {
    const bad = [];
    const set = (f, problem) => {
      f.setError(problem);
      if (problem) bad.push(f);
    };
    for (const f of [name, type, subtype, courseCode, courseName, credits, maxCredits, from]) {
      set(f, f.input.value.trim() ? null : t('required'));
    }
    for (const f of [credits, maxCredits]) {
      const v = f.input.value.trim();
      if (v && !CREDITS.test(v)) set(f, t('inst.rules.number'));
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
    const body = {
      name: name.input.value.trim(),
      source: {
        type: type.input.value,
        subtype: subtype.input.value,
        name: certificate.input.value.trim() || undefined,
        minLevel: minLevel.input.value || undefined,
      },
      target: {
        courseCode: courseCode.input.value.trim(),
        courseName: courseName.input.value.trim(),
        credits: Number(credits.input.value.trim()),
        mode: mode.input.value,
      },
      maxCredits: Number(maxCredits.input.value.trim()),
      effectiveFrom: from.input.value,
      effectiveTo: to.input.value || undefined,
    };
    submit.disabled = true;
    const wasEditing = editing;
    let view;
    try {
      view = wasEditing
        ? await call(ctx, 'PUT', `${BASE}/${encodeURIComponent(wasEditing.id)}`, { body })
        : await call(ctx, 'POST', BASE, { body });
    } catch (err) {
      submit.disabled = false;
      if (err.handled || !ctx.isCurrent()) return;
      const target = fields[err.field];
      if (target) {
        target.setError(err.message);
        target.input.focus();
      } else {
        alert.show(err.code === 'STATE_CONFLICT' ? t('inst.rules.notDraft') : err.message);
        alert.el.scrollIntoView?.({ block: 'nearest' });
      }
      return;
    }
    submit.disabled = false;
    if (!ctx.isCurrent()) return;
    editing = null;
    panel.hidden = true;
    reset();
    onSaved(view, !wasEditing);
  });

  cancel.addEventListener('click', () => {
    const was = editing;
    editing = null;
    panel.hidden = true;
    reset();
    (was && document.querySelector(`#rule-${CSS.escape(was.id)} .rule-edit`) || document.getElementById('rule-new'))?.focus();
  });

  return {
    panel,
    types(types) {
      catalogue = types;
      type.input.replaceChildren(h('option', { value: '' }, t('ach.type.placeholder')),
        ...types.map((ty) => h('option', { value: ty.code }, ty.label)));
      reset();
    },
    create() {
      editing = null;
      reset();
      title.textContent = t('inst.rules.form.new');
      show();
    },
    /** A draft, its fields filled in from the list's view of it. */
    edit(rule) {
      reset();
      editing = rule;
      title.textContent = t('inst.rules.form.edit', { name: rule.name });
      name.input.value = rule.name;
      type.input.value = rule.source.type;
      fillSubtypes(rule.source.subtype);
      certificate.input.value = rule.source.name ?? '';
      minLevel.input.value = rule.source.minLevel ?? '';
      courseCode.input.value = rule.target.courseCode;
      courseName.input.value = rule.target.courseName;
      credits.input.value = String(rule.target.credits);
      mode.input.value = rule.target.mode;
      maxCredits.input.value = String(rule.maxCredits);
      from.input.value = rule.effectiveFrom;
      to.input.value = rule.effectiveTo ?? '';
      show();
    },
  };
}

// 查看转换规则 (#/rules): the rules in force that schools have published (GET /conversion-rules,
// no login needed), filtered by school code, type and subtype (GET /achievement-types) and a
// part of a name; 加载更多 follows `nextCursor`. Logged in, it opens from the centre's quick
// entry inside the menu; logged out, from the login page.

import { request, session } from './api.js';
import { field, h } from './dom.js';
import { t } from './i18n.js';
import { ruleDetails } from './conversion-view.js';
import { flashNotice, withMenu } from './shell.js';

export const PAGE_SIZE = 10;

export default async function rules(root, ctx) {
  const loggedIn = Boolean(session.token);
  const content = loggedIn ? withMenu(root, 'rules') : h('div', { class: 'public-page' });
  if (!loggedIn) root.append(content);
  content.append(
    h('h1', { class: 'page-title', id: 'rules-title' }, t('rules.title')),
    flashNotice(ctx.flash) ?? '',
    h('p', { class: 'hint rules-intro' }, t('rules.intro')),
    loggedIn ? '' : h('p', { class: 'rules-back' }, h('a', { href: '#/login', id: 'rules-login' }, t('rules.backToLogin'))));
  ctx.ready();

  const state = { institution: '', type: '', subtype: '', name: '' };
  let catalogue = { types: [] };
  let cursor = null;
  let shown = 0;
  let asked = 0;
  const schools = new Map(); // code -> name, as the rules loaded name them

  const institution = field({
    id: 'rules-institution', label: t('rules.filter.institution'), placeholder: t('rules.filter.institution.placeholder'),
    maxlength: 64, autocomplete: 'off', spellcheck: 'false', list: 'rules-institutions', labelClass: 'filter__label',
  });
  const schoolList = h('datalist', { id: 'rules-institutions' });
  institution.wrap.append(schoolList);
  const typeSelect = h('select', { id: 'rules-type', name: 'type' });
  const subtypeSelect = h('select', { id: 'rules-subtype', name: 'subtype' });
  const name = field({
    id: 'rules-name', label: t('rules.filter.name'), placeholder: t('rules.filter.name.placeholder'), maxlength: 60,
    autocomplete: 'off', labelClass: 'filter__label',
  });
  const filterField = (id, label, control) => h('div', { class: 'field' },
    h('label', { for: id, class: 'filter__label' }, label), control);
  const filters = h('form', { class: 'filters filters--four', role: 'search', 'aria-label': t('rules.filters') },
    institution.wrap,
    filterField('rules-type', t('ach.type'), typeSelect),
    filterField('rules-subtype', t('ach.subtype'), subtypeSelect),
    name.wrap,
    h('div', { class: 'filters__actions' },
      h('button', { type: 'submit', class: 'button button--primary', id: 'rules-search' }, t('ach.search')),
      h('button', { type: 'reset', class: 'button button--secondary', id: 'rules-reset' }, t('ach.reset'))));

  const error = h('p', { class: 'alert alert--error', role: 'alert', id: 'rules-error', hidden: true });
  const list = h('ul', { class: 'rule-list', id: 'rules-list', 'aria-busy': 'true' });
  const count = h('p', { class: 'pager__info', id: 'rules-count', 'aria-live': 'polite' });
  const more = h('button', { type: 'button', class: 'button button--secondary', id: 'rules-more', hidden: true }, t('rules.more'));
  content.append(h('section', { class: 'panel', 'aria-labelledby': 'rules-title' },
    filters, error, list, h('div', { class: 'pager' }, count, more)));

  function fillTypes() {
    typeSelect.replaceChildren(h('option', { value: '' }, t('ach.type.placeholder')),
      ...catalogue.types.map((ty) => h('option', { value: ty.code }, ty.label)));
    fillSubtypes();
  }

  function fillSubtypes() {
    const chosen = catalogue.types.find((ty) => ty.code === typeSelect.value);
    const subtypes = chosen ? chosen.subtypes : catalogue.types.flatMap((ty) => ty.subtypes);
    const keep = subtypes.some((s) => s.code === subtypeSelect.value) ? subtypeSelect.value : '';
    subtypeSelect.replaceChildren(h('option', { value: '' }, t('ach.subtype.placeholder')),
      ...subtypes.map((s) => h('option', { value: s.code, selected: s.code === keep }, s.label)));
  }
  typeSelect.addEventListener('change', fillSubtypes);

  function item(rule) {
    if (rule.institution?.code && !schools.has(rule.institution.code)) {
      schools.set(rule.institution.code, rule.institution.name);
      schoolList.append(h('option', { value: rule.institution.code }, rule.institution.name));
    }
    return h('li', { class: 'rule-item', id: `rule-${rule.id}`, 'data-course': rule.target?.courseCode ?? '' },
      h('div', { class: 'reg-item__head' },
        h('h2', { class: 'rule-item__name' }, rule.name),
        h('span', { class: 'badge badge--approved' }, t('rules.inForce'))),
      ruleDetails(rule));
  }

  /** The first page of the filters (`append` false), or the next one. */
  async function load(append) {
    const mine = ++asked;
    list.setAttribute('aria-busy', 'true');
    more.disabled = true;
    let answer;
    try {
      answer = await request('GET', '/conversion-rules', {
        auth: false,
        query: { ...state, pageSize: PAGE_SIZE, cursor: append ? cursor : undefined },
      });
    } catch (err) {
      if (!ctx.isCurrent() || mine !== asked) return;
      more.disabled = false;
      list.setAttribute('aria-busy', 'false');
      const target = { institution, name }[err.field];
      if (target) target.setError(err.message);
      error.textContent = err.message;
      error.hidden = false;
      return;
    }
    if (!ctx.isCurrent() || mine !== asked) return;
    error.hidden = true;
    if (!append) {
      list.replaceChildren();
      shown = 0;
    }
    list.append(...answer.items.map(item));
    shown += answer.items.length;
    if (!shown && !answer.nextCursor) list.replaceChildren(h('li', { class: 'reg-list__empty' }, t('rules.empty')));
    cursor = answer.nextCursor ?? null;
    more.hidden = !cursor;
    more.disabled = false;
    count.textContent = t(cursor ? 'rules.count.more' : 'rules.count', { n: shown });
    list.setAttribute('aria-busy', 'false');
  }

  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    institution.setError(null);
    name.setError(null);
    Object.assign(state, {
      institution: institution.input.value.trim(),
      type: typeSelect.value,
      subtype: subtypeSelect.value,
      name: name.input.value.trim(),
    });
    load(false);
  });
  filters.addEventListener('reset', () => {
    setTimeout(() => {
      Object.assign(state, { institution: '', type: '', subtype: '', name: '' });
      institution.setError(null);
      name.setError(null);
      typeSelect.value = '';
      fillSubtypes();
      load(false);
    });
  });
  more.addEventListener('click', () => {
    if (cursor) load(true);
  });

  const [types] = await Promise.all([
    request('GET', '/achievement-types', { auth: false }).catch((err) => {
      error.textContent = err.message;
      error.hidden = false;
      return { types: [] };
    }),
    load(false),
  ]);
  if (!ctx.isCurrent()) return;
  catalogue = types;
  fillTypes();
}

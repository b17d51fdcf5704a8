// 我的成果: filters (name, type, subtype from GET /achievement-types), the counts by source, the
// table and its pages (GET /achievements). A 转换获取成果 made by an approved conversion says the
// course, its credits and what it came from.

import { request } from './api.js';
import { field, h } from './dom.js';
import { t } from './i18n.js';
import { flashNotice, withMenu } from './shell.js';

export const PAGE_SIZE = 10;

/** Under a converted achievement's name: its course, the course credits, and the source. */
function conversionLine(a) {
  const c = a.conversion;
  const from = c.sourceAchievementName
    ? h('span', { class: 'ach-conversion__from' }, t('ach.conversion.from', { name: c.sourceAchievementName }))
    : '';
  return h('p', { class: 'ach-conversion', 'data-source': c.sourceAchievementId },
    t('ach.conversion.course', { code: c.courseCode, credits: c.courseCredits, mode: c.modeLabel }), from);
}

export default async function achievements(root, ctx) {
  const content = withMenu(root, 'achievements');
  content.append(h('h1', { class: 'page-title', id: 'ach-title' }, t('ach.title')), flashNotice(ctx.flash) ?? '');
  ctx.ready();

  const state = { name: '', type: '', subtype: '', page: 1 };
  let catalogue = { types: [] };
  let loading = false;

  const name = field({
    id: 'ach-name', label: t('ach.name'), placeholder: t('ach.name.placeholder'), maxlength: 100,
    labelClass: 'filter__label',
  });
  const typeSelect = h('select', { id: 'ach-type', name: 'type' });
  const subtypeSelect = h('select', { id: 'ach-subtype', name: 'subtype' });
  const filterField = (id, label, control) => h('div', { class: 'field' },
    h('label', { for: id, class: 'filter__label' }, label), control);
  const search = h('button', { type: 'submit', class: 'button button--primary', id: 'ach-search' }, t('ach.search'));
  const reset = h('button', { type: 'reset', class: 'button button--secondary', id: 'ach-reset' }, t('ach.reset'));
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': t('ach.filters') },
    name.wrap,
    filterField('ach-type', t('ach.type'), typeSelect),
    filterField('ach-subtype', t('ach.subtype'), subtypeSelect),
    h('div', { class: 'filters__actions' }, search, reset));

  const personal = h('strong', { id: 'count-personal' }, '–');
  const converted = h('strong', { id: 'count-converted' }, '–');
  const counts = h('ul', { class: 'counts' },
    h('li', { class: 'counts__item' }, h('span', {}, t('ach.personal')), personal),
    h('li', { class: 'counts__item' }, h('span', {}, t('ach.converted')), converted));

  const error = h('p', { class: 'alert alert--error', role: 'alert', hidden: true });
  const tbody = h('tbody', { id: 'ach-rows' });
  const table = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'ach-caption' },
    h('table', { class: 'table', id: 'ach-table', 'aria-busy': 'true' },
      h('caption', { id: 'ach-caption', class: 'sr-only' }, t('ach.table')),
      h('thead', {}, h('tr', {},
        ['seq', 'name', 'type', 'subtype', 'issuer', 'credits'].map((c) => h('th', { scope: 'col', class: `col-${c}` }, t(`ach.col.${c}`))))),
      tbody));
  const prev = h('button', { type: 'button', class: 'button button--secondary', id: 'ach-prev', 'aria-disabled': 'true' }, t('ach.prev'));
  const next = h('button', { type: 'button', class: 'button button--secondary', id: 'ach-next', 'aria-disabled': 'true' }, t('ach.next'));
  const pageInfo = h('span', { class: 'pager__info', id: 'ach-page-info', 'aria-live': 'polite' });
  const pager = h('nav', { class: 'pager', 'aria-label': t('ach.pagination') }, prev, pageInfo, next);

  content.append(h('section', { class: 'panel' }, filters, counts, error, table, pager));

  function fillTypes() {
    typeSelect.replaceChildren(h('option', { value: '' }, t('ach.type.placeholder')),
      ...catalogue.types.map((ty) => h('option', { value: ty.code, selected: ty.code === state.type }, ty.label)));
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

  async function load() {
    table.firstChild.setAttribute('aria-busy', 'true');
    loading = true;
    let page;
    try {
      page = await request('GET', '/achievements', {
        query: { name: state.name, type: state.type, subtype: state.subtype, page: state.page, pageSize: PAGE_SIZE },
      });
    } catch (err) {
      if (err.handled || !ctx.isCurrent()) return;
      loading = false;
      error.textContent = err.message;
      error.hidden = false;
      return;
    }
    loading = false;
    if (!ctx.isCurrent()) return;
    error.hidden = true;
    personal.textContent = String(page.counts.personal);
    converted.textContent = String(page.counts.converted);
    tbody.replaceChildren(...(page.items.length
      ? page.items.map((a) => h('tr', {},
          h('td', { class: 'col-seq' }, String(a.seq)),
          h('td', { class: 'col-name' }, a.name, a.conversion ? conversionLine(a) : null),
          h('td', { class: 'col-type' }, a.typeLabel),
          h('td', {}, a.subtypeLabel),
          h('td', {}, a.issuer),
          h('td', { class: 'col-credits' }, String(a.credits))))
      : [h('tr', {}, h('td', { colspan: '6', class: 'table__empty' }, t('ach.empty')))]));
    table.firstChild.setAttribute('aria-busy', 'false');
    const pages = Math.max(page.totalPages, 1);
    state.page = Math.min(page.page, pages);
    pageInfo.textContent = `${t('ach.page', { p: state.page })} · ${t('ach.pages', { n: pages })} · ${t('ach.total', { n: page.total })}`;
    // aria-disabled, not disabled: a button that was just used keeps the focus.
    prev.setAttribute('aria-disabled', String(state.page <= 1));
    next.setAttribute('aria-disabled', String(state.page >= page.totalPages));
  }

  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    state.name = name.input.value.trim();
    state.type = typeSelect.value;
    state.subtype = subtypeSelect.value;
    state.page = 1;
    load();
  });
  filters.addEventListener('reset', () => {
    // After the form has put its fields back.
    setTimeout(() => {
      Object.assign(state, { name: '', type: '', subtype: '', page: 1 });
      typeSelect.value = '';
      fillSubtypes();
      load();
    });
  });
  const turn = (button, by) => button.addEventListener('click', () => {
    if (loading || button.getAttribute('aria-disabled') === 'true') return;
    state.page += by;
    load();
  });
  turn(prev, -1);
  turn(next, 1);

  const [types] = await Promise.all([
    request('GET', '/achievement-types', { auth: false }).catch((err) => {
      error.textContent = err.message;
      error.hidden = false;
      return { types: [] };
    }),
    load(),
  ]);
  if (!ctx.isCurrent()) return;
  catalogue = types;
  fillTypes();
}

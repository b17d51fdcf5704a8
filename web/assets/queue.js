// What the school's review tabs share (登记审核, 成果转换审核, and the 问题反馈 inbox): the queue of
// one status, paged by hasMore, beside the record opened, with the decision form (or the reply)
// under it. Each tab gives its ids, columns, row and detail; a decision someone else made first
// answers 409 STATE_CONFLICT, which the tab's form shows as 已被处理，请刷新.

import { request } from './api.js';
import { alertBox, field, h } from './dom.js';
import { recordPanel } from './panel.js';
import { t } from './i18n.js';

export const PAGE_SIZE = 10;

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

/**
 * A review tab: `queue` ({ prefix, title, empty, base, statuses, columns, row, filterLabel?
 * and openKey(row)? (text keys of the status filter and of a row's button) }) beside `detail`
 * ({ ids: { panel, title, body, close, done }, title, render(view, { reopen, decided(after,
 * said?), refresh }) }): `said` replaces the decision's line (已提交审核结论：…).
 */
export function reviewTab(root, ctx, { queue, detail }) {
  const shown = detailPanel(ctx, detail, queue, { onDecided: () => list.load() });
  const list = queuePanel(ctx, queue, { onOpen: (id) => shown.open(id) });
  root.append(h('div', { class: 'review-layout' }, list.panel, shown.panel));
  list.load(1);
}

function queuePanel(ctx, q, { onOpen }) {
  const id = (name) => `${q.prefix}-${name}`;
  const status = field({
    id: id('status'), label: t(q.filterLabel ?? 'inst.filter.status'), labelClass: 'filter__label',
    control: h('select', {}, q.statuses.map((s) => h('option', { value: s }, t(`status.${s}`)))),
  });
  const error = alertBox('error');
  const tbody = h('tbody', { id: id('rows') });
  const table = h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': id('title') },
    h('table', { class: 'table', id: id('table'), 'aria-busy': 'true' },
      h('thead', {}, h('tr', {}, q.columns.map((c) => h('th', { scope: 'col' }, t(c))))),
      tbody));
  const prev = h('button', { type: 'button', class: 'button button--secondary', id: id('prev'), 'aria-disabled': 'true' }, t('ach.prev'));
  const next = h('button', { type: 'button', class: 'button button--secondary', id: id('next'), 'aria-disabled': 'true' }, t('ach.next'));
  const pageInfo = h('span', { class: 'pager__info', id: id('page-info'), 'aria-live': 'polite' });
  const refresh = h('button', { type: 'button', class: 'button button--secondary', id: id('refresh') }, t('inst.refresh'));
  const panel = h('section', { class: 'panel', id: id('panel'), 'aria-labelledby': id('title') },
    h('h2', { class: 'panel__title', id: id('title') }, t(q.title)),
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
      answer = await call(ctx, 'GET', q.base, { query: { status: status.input.value, page: to, pageSize: PAGE_SIZE } });
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
    const row = (item) => h('tr', { id: id(item.id) }, ...q.row(item), h('td', {}, h('button', {
      type: 'button', class: `button button--secondary button--small ${id('open')}`,
      'aria-label': t('inst.open.label', { name: q.name(item), learner: item.learner.name }),
      onclick: () => onOpen(item.id),
    }, t(q.openKey?.(item) ?? (item.status === 'PENDING' ? 'inst.open.review' : 'inst.open.view')))));
    tbody.replaceChildren(...(answer.items.length ? answer.items.map(row)
      : [h('tr', {}, h('td', { colspan: String(q.columns.length), class: 'table__empty' }, t(q.empty)))]));
    table.firstChild.setAttribute('aria-busy', 'false');
    pageInfo.textContent = t('ach.page', { p: page });
    prev.setAttribute('aria-disabled', String(page <= 1));
    next.setAttribute('aria-disabled', String(!answer.hasMore));
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

function detailPanel(ctx, d, q, { onDecided }) {
  const shown = recordPanel(ctx, {
    ids: d.ids,
    title: d.title,
    load: (id) => call(ctx, 'GET', `${q.base}/${encodeURIComponent(id)}`),
    opener: (id) => `#${q.prefix}-${CSS.escape(id)} .${q.prefix}-open`,
    render: (view, { reopen }) => d.render(view, {
      reopen,
      decided: (after, said) => {
        shown.done.show(said ?? t('inst.decided', { status: after.statusLabel }));
        onDecided();
        shown.open(view.id, { focus: false, keepDone: true });
      },
      refresh: () => {
        onDecided();
        reopen();
      },
    }),
  });
  return shown;
}

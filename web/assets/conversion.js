// 成果转换 (#/conversion, the menu's item): the learner's achievements obtained personally (GET
// /achievements?source=personal), each with the rules of their schools it meets (GET
// /achievements/{id}/conversion-rules, loaded per achievement) and an apply button that says
// the course, its credits and the most that may be granted (POST /conversions); under them the
// learner's applications (GET /conversions) with their status, the school's reason, the credits
// granted, withdrawal of a pending one (POST /conversions/{id}/withdraw) and the details with
// the history (GET /conversions/{id}).

import { request } from './api.js';
import { alertBox, h, statusLine } from './dom.js';
import { t } from './i18n.js';
import { applicationDetails, courseText } from './conversion-view.js';
import { formatTime, historyList, reasonLine, statusBadge } from './registration-view.js';
import { recordPanel, withdrawConfirm } from './panel.js';
import { flashNotice, withMenu } from './shell.js';

export const PAGE_SIZE = 10;
/** Applications read to mark the rules already applied for (the API's largest page). */
const MARK_PAGE = 50;
const HOLDING = ['PENDING', 'APPROVED'];

export default async function conversion(root, ctx) {
  const content = withMenu(root, 'conversion');
  content.append(h('h1', { class: 'page-title', id: 'conv-title' }, t('conv.title')), flashNotice(ctx.flash) ?? '',
    h('p', { class: 'hint' }, t('conv.intro'), ' ', h('a', { href: '#/rules', id: 'conv-rules-link' }, t('centre.quick.rules'))));
  ctx.ready();
  const detail = detailPanel(ctx, { onChanged: () => { applications.load(); candidates.refreshMarks(); } });
  const applications = applicationList(ctx, {
    onDetail: (id) => detail.open(id),
    onChanged: (id) => {
      candidates.refreshMarks();
      if (detail.shown() === id) detail.open(id, { focus: false });
    },
  });
  const candidates = achievementList(ctx, {
    onApplied: () => applications.load(1),
  });
  content.append(candidates.panel, applications.panel, detail.panel);
  await Promise.all([candidates.load(1), applications.load(1)]);
}

/** The key of an application's claim on a rule for an achievement. */
const claimKey = (achievementId, ruleId) => `${achievementId}/${ruleId}`;

function achievementList(ctx, { onApplied }) {
  const done = statusLine('conv-applied');
  const error = alertBox('error');
  const list = h('ul', { class: 'conv-list', id: 'conv-achievements', 'aria-busy': 'true' });
  const prev = h('button', { type: 'button', class: 'button button--secondary', id: 'conv-ach-prev', 'aria-disabled': 'true' }, t('ach.prev'));
  const next = h('button', { type: 'button', class: 'button button--secondary', id: 'conv-ach-next', 'aria-disabled': 'true' }, t('ach.next'));
  const pageInfo = h('span', { class: 'pager__info', id: 'conv-ach-page-info', 'aria-live': 'polite' });
  const pager = h('nav', { class: 'pager', 'aria-label': t('ach.pagination'), hidden: true }, prev, pageInfo, next);
  const panel = h('section', { class: 'panel', id: 'conv-achievements-panel', 'aria-labelledby': 'conv-ach-title' },
    h('h2', { class: 'panel__title', id: 'conv-ach-title' }, t('conv.achievements')),
    h('p', { class: 'hint' }, t('conv.achievements.hint')),
    done.el, error.el, list, pager);
  let page = 1;
  let totalPages = 1;
  let loading = false;
  // Rules applied for, by achievement and rule: the application's status label.
  let held = new Map();
  const ruleRows = []; // {achievementId, rule, el, render} of the rules shown

  async function marks() {
    try {
      const answer = await request('GET', '/conversions', { query: { page: 1, pageSize: MARK_PAGE } });
      held = new Map(answer.items.filter((a) => HOLDING.includes(a.status))
        .map((a) => [claimKey(a.achievement.id, a.rule.id), a]));
    } catch {
      held = new Map(); // the buttons stay; the API refuses a duplicate
    }
  }

  async function refreshMarks() {
    await marks();
    if (!ctx.isCurrent()) return;
    for (const r of ruleRows) r.render();
  }

  async function load(to = page) {
    loading = true;
    list.setAttribute('aria-busy', 'true');
    let answer;
    try {
      [answer] = await Promise.all([
        request('GET', '/achievements', { query: { source: 'personal', page: to, pageSize: PAGE_SIZE } }),
        marks(),
      ]);
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
    ruleRows.length = 0;
    list.replaceChildren(...(answer.items.length ? answer.items.map(achievementItem)
      : [h('li', { class: 'reg-list__empty' }, t('conv.achievements.empty'))]));
    list.setAttribute('aria-busy', 'false');
    pager.hidden = totalPages <= 1;
    pageInfo.textContent = `${t('ach.page', { p: page })} · ${t('ach.pages', { n: totalPages })} · ${t('ach.total', { n: answer.total })}`;
    prev.setAttribute('aria-disabled', String(page <= 1));
    next.setAttribute('aria-disabled', String(page >= totalPages));
  }

  function achievementItem(a) {
    const rules = h('ul', { class: 'conv-rules', 'aria-busy': 'true', 'aria-label': t('conv.rulesFor', { name: a.name }) },
      h('li', { class: 'loading' }, t('conv.rules.loading')));
    const li = h('li', { class: 'conv-ach', id: `conv-ach-${a.id}` },
      h('h3', { class: 'reg-item__name' }, a.name),
      h('p', { class: 'reg-item__meta' },
        [a.typeLabel, a.subtypeLabel, a.issuer].filter(Boolean).join(' · '), ' · ',
        t('conv.achievement.credits', { n: a.credits })),
      rules);
    loadRules(a, rules);
    return li;
  }

  async function loadRules(a, ul) {
    let answer;
    try {
      answer = await request('GET', `/achievements/${encodeURIComponent(a.id)}/conversion-rules`);
    } catch (err) {
      if (err.handled || !ctx.isCurrent()) return;
      ul.replaceChildren(h('li', { class: 'field-error' }, err.message));
      ul.setAttribute('aria-busy', 'false');
      return;
    }
    if (!ctx.isCurrent()) return;
    ul.replaceChildren(...(answer.items.length ? answer.items.map((rule) => ruleItem(a, rule))
      : [h('li', { class: 'conv-rules__none' }, t('conv.rules.none'))]));
    ul.setAttribute('aria-busy', 'false');
  }

  function ruleItem(a, rule) {
    const li = h('li', { class: 'conv-rule', 'data-rule': rule.id, 'data-course': rule.target.courseCode });
    const problem = h('p', { class: 'field-error', role: 'alert', hidden: true });
    const entry = { achievementId: a.id, rule, el: li, render };
    ruleRows.push(entry);

    function render() {
      const applied = held.get(claimKey(a.id, rule.id));
      const terms = h('p', { class: 'conv-rule__terms' },
        t('conv.rule.terms', {
          course: courseText(rule.target), credits: rule.target.credits, mode: rule.target.modeLabel,
        }));
      const head = h('div', { class: 'conv-rule__head' },
        h('div', { class: 'conv-rule__text' },
          h('strong', { class: 'conv-rule__course' }, courseText(rule.target)),
          h('span', { class: 'reg-item__meta' }, `${rule.institution.name} · ${rule.name}`)),
        applied
          ? h('span', { class: 'conv-rule__applied' }, statusBadge(applied.status, applied.statusLabel), ' ', t('conv.applied'))
          : h('button', {
              type: 'button', class: 'button button--primary button--small conv-apply',
              'aria-label': t('conv.apply.label', { name: a.name, course: courseText(rule.target) }),
              onclick: () => confirm(),
            }, t('conv.apply')));
      li.replaceChildren(head, terms,
        h('p', { class: 'conv-rule__max' }, t('conv.rule.max', { n: rule.maxGrantable, cap: rule.maxCredits })),
        problem);
    }

    function confirm() {
      problem.hidden = true;
      const yes = h('button', { type: 'button', class: 'button button--primary conv-apply-yes' }, t('conv.apply.yes'));
      const no = h('button', { type: 'button', class: 'button button--secondary conv-apply-no' }, t('conv.apply.no'));
      const box = h('div', { class: 'confirm confirm--plain', role: 'group', 'aria-label': t('conv.apply') },
        h('p', { class: 'confirm__text' }, t('conv.apply.confirm', {
          school: rule.institution.name, name: a.name, course: courseText(rule.target),
          credits: rule.target.credits, max: rule.maxGrantable,
        })),
        h('div', { class: 'confirm__actions' }, yes, no));
      li.querySelector('.conv-apply').hidden = true;
      li.insertBefore(box, problem);
      no.focus();
      no.addEventListener('click', () => {
        box.remove();
        const button = li.querySelector('.conv-apply');
        button.hidden = false;
        button.focus();
      });
      yes.addEventListener('click', async () => {
        yes.disabled = true;
        no.disabled = true;
        done.hide();
        let view;
        try {
          view = await request('POST', '/conversions', { body: { achievementId: a.id, ruleId: rule.id } });
        } catch (err) {
          if (err.handled || !ctx.isCurrent()) return;
          box.remove();
          li.querySelector('.conv-apply').hidden = false;
          problem.textContent = err.message;
          problem.hidden = false;
          return;
        }
        if (!ctx.isCurrent()) return;
        held.set(claimKey(a.id, rule.id), view);
        render();
        done.show(t('conv.applied.done', { course: courseText(rule.target) }));
        onApplied(view);
      });
    }

    render();
    return li;
  }

  const turn = (button, by) => button.addEventListener('click', () => {
    if (loading || button.getAttribute('aria-disabled') === 'true') return;
    load(page + by);
  });
  turn(prev, -1);
  turn(next, 1);
  return { panel, load, refreshMarks };
}

function applicationList(ctx, { onDetail, onChanged }) {
  const open = h('p', { class: 'hint', id: 'conv-open' });
  const error = alertBox('error');
  const items = h('ul', { class: 'reg-list', id: 'conv-list', 'aria-busy': 'true' });
  const prev = h('button', { type: 'button', class: 'button button--secondary', id: 'conv-prev', 'aria-disabled': 'true' }, t('ach.prev'));
  const next = h('button', { type: 'button', class: 'button button--secondary', id: 'conv-next', 'aria-disabled': 'true' }, t('ach.next'));
  const pageInfo = h('span', { class: 'pager__info', id: 'conv-page-info', 'aria-live': 'polite' });
  const pager = h('nav', { class: 'pager', 'aria-label': t('ach.pagination'), hidden: true }, prev, pageInfo, next);
  const panel = h('section', { class: 'panel', id: 'conv-list-panel', 'aria-labelledby': 'conv-list-title' },
    h('h2', { class: 'panel__title', id: 'conv-list-title' }, t('conv.list.title')), open, error.el, items, pager);
  let page = 1;
  let totalPages = 1;
  let loading = false;

  async function load(to = page) {
    loading = true;
    items.setAttribute('aria-busy', 'true');
    let answer;
    try {
      answer = await request('GET', '/conversions', { query: { page: to, pageSize: PAGE_SIZE } });
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
    open.textContent = t('conv.open', { n: answer.open, max: answer.maxOpen });
    items.replaceChildren(...(answer.items.length ? answer.items.map(item)
      : [h('li', { class: 'reg-list__empty' }, t('conv.list.empty'))]));
    items.setAttribute('aria-busy', 'false');
    pager.hidden = totalPages <= 1;
    pageInfo.textContent = `${t('ach.page', { p: page })} · ${t('ach.pages', { n: totalPages })} · ${t('ach.total', { n: answer.total })}`;
    prev.setAttribute('aria-disabled', String(page <= 1));
    next.setAttribute('aria-disabled', String(page >= totalPages));
  }

  function item(view) {
    const rule = view.rule ?? {};
    const actions = h('div', { class: 'reg-item__actions' },
      h('button', { type: 'button', class: 'link-button conv-detail', onclick: () => onDetail(view.id) }, t('reg.detail')),
      view.status === 'PENDING'
        ? h('button', { type: 'button', class: 'link-button link-button--danger conv-withdraw', onclick: () => confirmation.show() }, t('reg.withdraw'))
        : null);
    const confirmation = withdrawConfirm(ctx, {
      message: t('conv.withdraw.confirm', { course: courseText(view.rule?.target) }),
      url: `/conversions/${encodeURIComponent(view.id)}/withdraw`,
      prefix: 'conv',
      actions,
      onDone: () => { load(); onChanged(view.id); },
    });
    return h('li', { class: 'reg-item', id: `conv-${view.id}`, 'data-status': view.status },
      h('div', { class: 'reg-item__head' },
        h('h3', { class: 'reg-item__name' }, courseText(rule.target)), statusBadge(view.status, view.statusLabel)),
      h('p', { class: 'reg-item__meta' },
        t('conv.from', { name: view.achievement?.name ?? '' }), h('br'),
        `${view.institution?.name ?? ''} · ${rule.name ?? ''} · ${rule.target?.modeLabel ?? ''}`, h('br'),
        `${t('reg.submittedAt')}：`, h('time', { datetime: view.submittedAt, class: 'reg-item__time' }, formatTime(view.submittedAt))),
      reasonLine(view),
      view.status === 'APPROVED' && view.grantedCredits !== null && view.grantedCredits !== undefined
        ? h('p', { class: 'reg-item__credits' }, t('conv.granted.line', { n: view.grantedCredits }))
        : null,
      view.status === 'PENDING'
        ? h('p', { class: 'reg-item__meta' }, t('conv.rule.max', { n: view.maxCredits, cap: rule.maxCredits }))
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
function detailPanel(ctx, { onChanged }) {
  return recordPanel(ctx, {
    ids: { panel: 'conv-detail', title: 'conv-detail-title', body: 'conv-detail-body', close: 'conv-detail-close' },
    title: 'conv.detail.title',
    load: (id) => request('GET', `/conversions/${encodeURIComponent(id)}`),
    opener: (id) => `#conv-${CSS.escape(id)} .conv-detail`,
    render: (view, { reopen }) => [
      reasonLine(view, 'conv-detail-reason') ?? '',
      applicationDetails(view),
      view.status === 'APPROVED' && view.convertedAchievementId
        ? h('p', { class: 'hint', id: 'conv-detail-converted' }, t('conv.detail.converted'), ' ',
            h('a', { href: '#/achievements' }, t('menu.achievements')))
        : '',
      h('button', { type: 'button', class: 'link-button', id: 'conv-detail-refresh', onclick: () => { reopen(); onChanged(); } }, t('reg.detail.refresh')),
      historyList(view),
    ],
  });
}

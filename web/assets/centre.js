// 个人中心: the learning card (我的学银卡), totals, quick entries and recent logins (GET /me).

import { request } from './api.js';
import { h } from './dom.js';
import { lang, t } from './i18n.js';
import { flashNotice, withMenu } from './shell.js';

/** "4408**********5051" → "4408 ********** 5051", as printed on the card. */
function spacedId(masked) {
  const m = /^(\d{4})(\*+)(.{4})$/.exec(masked);
  return m ? `${m[1]} ${m[2]} ${m[3]}` : masked;
}

function when(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleString(lang() === 'en' ? 'en-GB' : 'zh-CN', { hour12: false });
}

export default async function centre(root, ctx) {
  const content = withMenu(root, 'centre');
  const title = h('h1', { class: 'page-title', id: 'centre-title' }, t('centre.title'));
  content.append(title, flashNotice(ctx.flash) ?? '');
  ctx.ready();
  let me;
  try {
    me = await request('GET', '/me');
  } catch (err) {
    if (!err.handled) content.append(h('p', { class: 'alert alert--error', role: 'alert' }, err.message));
    return;
  }
  if (!ctx.isCurrent()) return;

  const card = h('section', { class: 'panel', 'aria-labelledby': 'card-title' },
    h('h2', { class: 'panel__title', id: 'card-title' }, t('centre.card')),
    h('div', { class: 'card-row' },
      h('div', { class: 'learning-card', id: 'learning-card' },
        h('p', { class: 'learning-card__bank' },
          h('span', { class: 'brand__mark', 'aria-hidden': 'true' }, '学'), ' ', t('centre.bank')),
        h('p', { class: 'learning-card__name', id: 'card-name' }, me.name),
        h('p', { class: 'learning-card__id' },
          h('span', { class: 'sr-only' }, `${t('centre.idNumber')} `),
          h('span', { id: 'card-id-number' }, spacedId(me.idNumberMasked))),
        h('p', { class: 'learning-card__card-id' },
          `${t('centre.cardId')}: `, h('span', { id: 'card-id' }, me.cardId))),
      h('div', { class: 'achievement-summary' },
        h('h3', { class: 'achievement-summary__title' }, t('centre.achievement')),
        h('dl', { class: 'totals' },
          h('div', { class: 'totals__item' },
            h('dt', {}, t('centre.totalCredits')),
            h('dd', { id: 'total-credits' }, String(me.totalCredits))),
          h('div', { class: 'totals__item' },
            h('dt', {}, t('centre.totalPoints')),
            h('dd', { id: 'total-points' }, String(me.totalPoints)))),
        h('p', { class: 'hint', id: 'achievement-counts' }, t('centre.counts', {
          p: me.achievementCounts.personal, c: me.achievementCounts.converted,
        })))));

  const quick = h('section', { class: 'panel', 'aria-labelledby': 'quick-title' },
    h('h2', { class: 'panel__title', id: 'quick-title' }, t('centre.quick')),
    h('ul', { class: 'quick' },
      h('li', {}, h('a', { class: 'quick__item', href: '#/register', id: 'quick-register' },
        h('span', { class: 'quick__icon', 'aria-hidden': 'true' }, '＋'), t('centre.quick.register'))),
      h('li', {}, h('a', { class: 'quick__item', href: '#/achievements', id: 'quick-achievements' },
        h('span', { class: 'quick__icon', 'aria-hidden': 'true' }, '☰'), t('centre.quick.achievements'))),
      h('li', {}, h('a', { class: 'quick__item', href: '#/rules', id: 'quick-rules' },
        h('span', { class: 'quick__icon', 'aria-hidden': 'true' }, '⇄'), t('centre.quick.rules')))));

  const logins = me.recentLogins.length
    ? h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': 'logins-title' },
        h('table', { class: 'table', id: 'recent-logins' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, t('centre.logins.at')),
            h('th', { scope: 'col' }, t('centre.logins.ip')),
            h('th', { scope: 'col' }, t('centre.logins.result')))),
          h('tbody', {}, me.recentLogins.map((l) => h('tr', {},
            h('td', {}, when(l.at)),
            h('td', {}, l.ip),
            h('td', {}, h('span', { class: `badge badge--${l.result.toLowerCase()}` }, t(`result.${l.result}`))))))))
    : h('p', { class: 'hint' }, t('centre.logins.none'));
  const recent = h('section', { class: 'panel', 'aria-labelledby': 'logins-title' },
    h('h2', { class: 'panel__title', id: 'logins-title' }, t('centre.logins')), logins);

  content.append(card, quick, recent);
}

// The frames of the pages: the personal centre's menu of the guide beside the page's content,
// and the 个人用户 panel beside the card of 个人登录 and 忘记密码.

import { h } from './dom.js';
import { t } from './i18n.js';

const MENU = [
  { key: 'menu.centre', href: '#/centre', id: 'centre' },
  { key: 'menu.achievements', href: '#/achievements', id: 'achievements' },
  { key: 'menu.feedback', href: '#/feedback', id: 'feedback' },
  { key: 'menu.conversion', href: '#/conversion', id: 'conversion' },
  { key: 'menu.settings', href: '#/settings', id: 'settings' },
  { key: 'menu.manual', href: '#/manual', id: 'manual' },
];

/** Lays out the menu (with `active` marked) and returns the element the page goes into. */
export function withMenu(root, active) {
  const items = MENU.map((item) => h('li', {},
    item.href
      ? h('a', {
          href: item.href, class: 'menu__item', 'aria-current': item.id === active ? 'page' : null,
        }, t(item.key))
      : h('span', { class: 'menu__item menu__item--disabled', 'aria-disabled': 'true', title: t('menu.soon') },
          t(item.key), h('span', { class: 'sr-only' }, `（${t('menu.soon')}）`))));
  const content = h('div', { class: 'layout__content' });
  const nav = h('nav', { class: 'menu', 'aria-label': t('menu.label') }, h('ul', {}, items));
  root.append(h('div', { class: 'layout' }, nav, content));
  // On a narrow screen the menu is one row that scrolls: bring the current entry into view.
  const current = nav.querySelector('[aria-current="page"]');
  if (current && nav.scrollWidth > nav.clientWidth) {
    const shift = current.getBoundingClientRect().right - nav.getBoundingClientRect().right;
    if (shift > 0) nav.scrollLeft += shift + 16;
  }
  return content;
}

export function flashNotice(flash) {
  if (!flash) return null;
  return h('p', { class: `alert alert--${flash.kind === 'error' ? 'error' : 'info'}`, role: 'status' }, flash.text);
}

/**
 * The frame of 个人登录 and 忘记密码 (the guide's 个人用户 panel beside a card): the card holds
 * the bank's name, the title `h1#titleId` and then `children`.
 */
export function loginFrame(titleId, title, ...children) {
  return h('div', { class: 'login-page' },
    h('div', { class: 'login-hero', 'aria-hidden': 'true' },
      h('p', { class: 'login-hero__zh' }, t('login.hero.zh')),
      h('p', { class: 'login-hero__en' }, t('login.hero.en'))),
    h('section', { class: 'card login-card', 'aria-labelledby': titleId },
      h('div', { class: 'card-brand' },
        h('span', { class: 'brand__mark brand__mark--dark', 'aria-hidden': 'true' }, '学'),
        h('span', {},
          h('span', { class: 'card-brand__zh' }, t('login.bank.zh')),
          h('span', { class: 'card-brand__en' }, t('login.bank.en')))),
      h('h1', { id: titleId, class: 'card-title' }, title),
      children));
}

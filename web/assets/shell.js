// The personal centre's frame: the menu of the guide beside the page's content.

import { h } from './dom.js';
import { t } from './i18n.js';

const MENU = [
  { key: 'menu.centre', href: '#/centre', id: 'centre' },
  { key: 'menu.achievements', href: '#/achievements', id: 'achievements' },
  // No routes behind these yet: shown, not usable.
  { key: 'menu.feedback' },
  { key: 'menu.conversion' },
  { key: 'menu.settings' },
  { key: 'menu.manual' },
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
  root.append(h('div', { class: 'layout' },
    h('nav', { class: 'menu', 'aria-label': t('menu.label') }, h('ul', {}, items)),
    content));
  return content;
}

export function flashNotice(flash) {
  if (!flash) return null;
  return h('p', { class: `alert alert--${flash.kind === 'error' ? 'error' : 'info'}`, role: 'status' }, flash.text);
}

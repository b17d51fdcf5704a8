// 操作手册 (#/manual, the menu's last item; with or without a login): a static help page that
// walks a learner through the account's screens, one section each, with a table of contents.
// Every text is in i18n.js (manual.*), built into the page as text nodes; no API call.
//
// The table of contents links to the sections' headings (href="#manual-<id>"). The client routes
// by hash, so a click is handled here: the page stays, the heading is scrolled to and focused.

import { session } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { flashNotice, withMenu } from './shell.js';

// Each section: its id (the heading is #manual-<id>, texts manual.<id>.*), how many intro
// paragraphs (manual.<id>.intro1…), its lists (a heading key, ol or ul, the texts
// manual.<id>.<item>1…n), and the screen it describes (shown when it can be opened: `in` with a
// login, `out` without, `any` either way).
const SECTIONS = [
  {
    id: 'login', intro: 1,
    lists: [{ heading: 'manual.steps', tag: 'ol', item: 'step', n: 4 }, { heading: 'manual.notes', tag: 'ul', item: 'note', n: 4 }],
    screen: { href: '#/login', key: 'login.title', when: 'out' },
  },
  {
    id: 'profile', intro: 1,
    lists: [{ heading: 'manual.steps', tag: 'ol', item: 'step', n: 4 }, { heading: 'manual.notes', tag: 'ul', item: 'note', n: 4 }],
  },
  {
    id: 'centre', intro: 1,
    lists: [{ heading: 'manual.onPage', tag: 'ul', item: 'item', n: 4 }],
    screen: { href: '#/centre', key: 'menu.centre', when: 'in' },
  },
  {
    id: 'achievements', intro: 1,
    lists: [{ heading: 'manual.onPage', tag: 'ul', item: 'item', n: 4 }, { heading: 'manual.notes', tag: 'ul', item: 'note', n: 2 }],
    screen: { href: '#/achievements', key: 'menu.achievements', when: 'in' },
  },
  {
    id: 'forgot', intro: 1,
    lists: [{ heading: 'manual.steps', tag: 'ol', item: 'step', n: 5 }, { heading: 'manual.notes', tag: 'ul', item: 'note', n: 5 }],
    screen: { href: '#/forgot', key: 'login.forgot', when: 'out' },
  },
  {
    id: 'settings', intro: 1,
    lists: [{ heading: 'manual.steps', tag: 'ol', item: 'step', n: 2 }, { heading: 'manual.notes', tag: 'ul', item: 'note', n: 4 }],
    screen: { href: '#/settings', key: 'menu.settings', when: 'in' },
  },
  {
    id: 'register', intro: 1,
    lists: [
      { heading: 'manual.steps', tag: 'ol', item: 'step', n: 5 },
      { heading: 'manual.outcomes', tag: 'ul', item: 'outcome', n: 5 },
      { heading: 'manual.notes', tag: 'ul', item: 'note', n: 3 },
    ],
    screen: { href: '#/register', key: 'centre.quick.register', when: 'in' },
  },
  {
    id: 'rules', intro: 1,
    lists: [{ heading: 'manual.onPage', tag: 'ul', item: 'item', n: 3 }, { heading: 'manual.notes', tag: 'ul', item: 'note', n: 1 }],
    screen: { href: '#/rules', key: 'centre.quick.rules', when: 'any' },
  },
  {
    id: 'conversion', intro: 1,
    lists: [
      { heading: 'manual.steps', tag: 'ol', item: 'step', n: 3 },
      { heading: 'manual.outcomes', tag: 'ul', item: 'outcome', n: 3 },
      { heading: 'manual.notes', tag: 'ul', item: 'note', n: 3 },
    ],
    screen: { href: '#/conversion', key: 'menu.conversion', when: 'in' },
  },
  {
    id: 'feedback', intro: 1,
    lists: [
      { heading: 'manual.steps', tag: 'ol', item: 'step', n: 4 },
      { heading: 'manual.after', tag: 'ul', item: 'after', n: 3 },
      { heading: 'manual.notes', tag: 'ul', item: 'note', n: 2 },
    ],
  },
];

const range = (n) => Array.from({ length: n }, (_, i) => i + 1);

/** Moves to a section: scrolled to its heading, which takes the focus (keyboard, screen readers). */
function jump(event, heading) {
  event.preventDefault();
  heading.scrollIntoView({ block: 'start' });
  heading.focus({ preventScroll: true });
}

function section(s, loggedIn) {
  const headingId = `manual-${s.id}`;
  const heading = h('h2', { class: 'panel__title manual__heading', id: headingId, tabindex: '-1' }, t(`manual.${s.id}.title`));
  const screen = s.screen && (s.screen.when === 'any' || (s.screen.when === 'in') === loggedIn)
    ? h('p', { class: 'manual__open' }, h('a', { href: s.screen.href }, t('manual.open', { page: t(s.screen.key) })))
    : null;
  return {
    heading,
    el: h('section', { class: 'panel manual__section', id: `manual-section-${s.id}`, 'aria-labelledby': headingId },
      heading,
      range(s.intro).map((i) => h('p', { class: 'manual__intro' }, t(`manual.${s.id}.intro${i}`))),
      s.lists.map((list) => [
        h('h3', { class: 'manual__subheading' }, t(list.heading)),
        h(list.tag, { class: `manual__list manual__list--${list.tag}` },
          range(list.n).map((i) => h('li', {}, t(`manual.${s.id}.${list.item}${i}`)))),
      ]),
      screen),
  };
}

export default function manual(root, ctx) {
  const loggedIn = Boolean(session.token);
  const content = loggedIn ? withMenu(root, 'manual') : h('div', { class: 'public-page' });
  if (!loggedIn) root.append(content);

  const sections = SECTIONS.map((s) => section(s, loggedIn));
  const toc = h('nav', { class: 'panel manual__toc', id: 'manual-toc', 'aria-labelledby': 'manual-toc-title' },
    h('h2', { class: 'panel__title', id: 'manual-toc-title' }, t('manual.toc')),
    h('ol', { class: 'manual__toc-list' }, SECTIONS.map((s, i) => h('li', {},
      h('a', { href: `#manual-${s.id}`, onclick: (event) => jump(event, sections[i].heading) }, t(`manual.${s.id}.title`))))));

  content.append(
    h('h1', { class: 'page-title', id: 'manual-title' }, t('manual.title')),
    flashNotice(ctx.flash) ?? '',
    h('p', { class: 'hint manual__lead' }, t('manual.intro')),
    loggedIn ? '' : h('p', { class: 'rules-back' }, h('a', { href: '#/login', id: 'manual-login-link' }, t('manual.backToLogin'))),
    toc,
    ...sections.map((s) => s.el));
  ctx.ready();
}

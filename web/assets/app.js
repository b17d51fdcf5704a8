// Start: read config.json, then show the page the hash names (#/login, #/forgot, #/profile,
// #/centre, #/achievements, #/register, #/conversion, #/feedback, #/settings; #/rules and #/manual
// with or without a login).

import { loadConfig, onSessionProblems, request, session } from './api.js';
import { h } from './dom.js';
import { lang, setLang, t } from './i18n.js';
import login from './login.js';
import forgotPassword from './forgot.js';
import profile from './profile.js';
import centre from './centre.js';
import achievements from './achievements.js';
import register from './register.js';
import conversion from './conversion.js';
import feedback from './feedback.js';
import rules from './rules.js';
import manual from './manual.js';
import settings from './settings.js';

const ROUTES = {
  '/login': { view: login, auth: false },
  '/forgot': { view: forgotPassword, auth: false },
  '/profile': { view: profile, auth: true },
  '/centre': { view: centre, auth: true },
  '/achievements': { view: achievements, auth: true },
  '/register': { view: register, auth: true },
  '/conversion': { view: conversion, auth: true },
  '/feedback': { view: feedback, auth: true },
  // 查看转换规则: public (GET /conversion-rules takes no token).
  '/rules': { view: rules, auth: false },
  // 操作手册: static help, with or without a login.
  '/manual': { view: manual, auth: false },
  '/settings': { view: settings, auth: true },
};
// Older addresses of a page.
const ALIASES = {
  '/forgot-password': '/forgot', '/registrations': '/register', '/conversions': '/conversion', '/conversion-rules': '/rules',
};

const main = document.getElementById('main');
let flash = null; // a message for the next page: {kind, text}
let cleanups = [];
let rendering = 0;

/** Go to `path` (e.g. '/centre'), with an optional message shown there. */
export function go(path, message) {
  if (message) flash = message;
  if (location.hash === `#${path}`) render();
  else location.hash = `#${path}`;
}

function currentPath() {
  const typed = location.hash.replace(/^#/, '').split('?')[0];
  const path = ALIASES[typed] ?? typed;
  return ROUTES[path] ? path : null;
}

async function render() {
  const id = ++rendering;
  for (const stop of cleanups) stop();
  cleanups = [];
  let path = currentPath();
  const loggedIn = Boolean(session.token);
  if (!path) path = loggedIn ? '/centre' : '/login';
  if (ROUTES[path].auth && !loggedIn) path = '/login';
  if (path === '/login' && loggedIn) path = '/centre';
  if (location.hash !== `#${path}`) {
    history.replaceState(null, '', `#${path}`);
  }
  updateChrome();
  const page = h('div', { class: 'page', 'data-page': path.slice(1) });
  main.replaceChildren(page);
  const ctx = {
    go,
    flash: flash,
    // Timers of this page end when another page is shown.
    interval(fn, ms) {
      const timer = setInterval(fn, ms);
      cleanups.push(() => clearInterval(timer));
      return () => clearInterval(timer);
    },
    isCurrent: () => id === rendering,
    // Moves the focus to the page title once the page is there (keyboard and screen readers).
    ready() {
      if (id !== rendering || document.activeElement?.id === 'lang-switch') return;
      const title = page.querySelector('h1');
      if (!title) return;
      title.setAttribute('tabindex', '-1');
      title.focus({ preventScroll: true });
    },
  };
  flash = null;
  await ROUTES[path].view(page, ctx);
}

function updateChrome() {
  const loggedIn = Boolean(session.token);
  document.title = t('doc.title');
  document.getElementById('skip-link').textContent = t('skip');
  document.getElementById('footer-text').textContent = t('footer');
  document.getElementById('header-actions').setAttribute('aria-label', t('header.account'));
  const switcher = document.getElementById('lang-switch');
  switcher.textContent = t('lang.switch');
  switcher.setAttribute('lang', lang() === 'zh' ? 'en' : 'zh-CN');
  switcher.setAttribute('aria-label', t('lang.switch.label'));
  const logout = document.getElementById('logout');
  logout.textContent = t('logout');
  logout.hidden = !loggedIn;
  document.getElementById('brand').setAttribute('href', loggedIn ? '#/centre' : '#/login');
}

async function logout() {
  const button = document.getElementById('logout');
  button.disabled = true;
  try {
    await request('POST', '/logout');
  } catch {
    // the session is forgotten here anyway
  } finally {
    button.disabled = false;
  }
  session.clear();
  go('/login');
}

async function start() {
  setLang(lang());
  onSessionProblems({
    unauthenticated: (err) => go('/login', { kind: 'error', text: err.message }),
    profileIncomplete: (err) => go('/profile', { kind: 'info', text: err.message }),
  });
  document.getElementById('lang-switch').addEventListener('click', () => {
    setLang(lang() === 'zh' ? 'en' : 'zh');
    render();
    document.getElementById('lang-switch').focus();
  });
  document.getElementById('logout').addEventListener('click', logout);
  try {
    await loadConfig();
  } catch {
    updateChrome();
    main.replaceChildren(h('p', { class: 'alert alert--error', role: 'alert' }, t('error.config')));
    return;
  }
  window.addEventListener('hashchange', render);
  render();
}

start();

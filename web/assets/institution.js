// The school's page (institution.html): sign-in (the user pool's hosted UI, or locally the dev
// server's token form), then four tabs: the queue of registrations and the decisions
// (review.js, the first), the school's conversion rules (#/rules, school-rules.js), the
// conversion applications (#/conversions, school-conversions.js) and 问题反馈 (#/feedback,
// school-feedback.js; the only tab of the credit bank's staff, role PLATFORM). It shares
// api.js, dom.js and i18n.js with the learner's client, with a session of its own.

import { loadConfig, onSessionProblems, session } from './api.js';
import { alertBox, field, h } from './dom.js';
import { lang, setLang, t } from './i18n.js';
import review from './review.js';
import schoolConversions from './school-conversions.js';
import schoolFeedback from './school-feedback.js';
import schoolRules from './school-rules.js';
import {
  SignInError, claims, devSignIn, finishHostedSignIn, signOut, signedIn, startHostedSignIn, useStaffSession,
} from './staff-auth.js';

const main = document.getElementById('main');
let config = {};
let notice = null; // a message for the next view: {kind, text}
let rendering = 0;

// The tabs, by the address's hash: the registrations first. A school's reviewer has them all;
// the credit bank's staff (PLATFORM) only 问题反馈, its own inbox.
const TABS = [
  { id: 'registrations', hash: '', title: 'inst.title', view: review },
  { id: 'rules', hash: '#/rules', title: 'inst.rules.title', view: schoolRules },
  { id: 'conversions', hash: '#/conversions', title: 'inst.conv.title', view: schoolConversions },
  { id: 'feedback', hash: '#/feedback', title: 'inst.fb.title', view: schoolFeedback, roles: ['REVIEWER', 'PLATFORM'] },
];

function tabsOf(role) {
  return TABS.filter((tab) => (tab.roles ?? ['REVIEWER']).includes(role));
}

function currentTab(tabs) {
  return tabs.find((tab) => tab.hash && tab.hash === location.hash) ?? tabs[0];
}

function noticeBox() {
  const n = notice;
  notice = null;
  if (!n) return '';
  return h('p', { class: `alert alert--${n.kind === 'error' ? 'error' : 'info'}`, role: n.kind === 'error' ? 'alert' : 'status', id: 'inst-notice' }, n.text);
}

function render() {
  const id = ++rendering;
  updateChrome();
  const page = h('div', { class: 'page', 'data-page': signedIn() ? 'review' : 'signin' });
  main.replaceChildren(page);
  const ctx = {
    isCurrent: () => id === rendering,
    notice: noticeBox(),
    claims: claims(session.token) ?? {},
    // The API said the token is no good (expired, revoked): back to the sign-in.
    expired() {
      session.clear();
      notice = { kind: 'error', text: t('inst.expired') };
      render();
    },
    ready() {
      if (id !== rendering || document.activeElement?.id === 'lang-switch') return;
      const title = page.querySelector('h1');
      title?.setAttribute('tabindex', '-1');
      title?.focus({ preventScroll: true });
    },
  };
  if (signedIn()) staffHome(page, ctx);
  else signInView(page, ctx);
}

/** Signed in: who, the tabs, and the tab the address names. */
function staffHome(root, ctx) {
  const who = ctx.claims;
  const mine = tabsOf(who['custom:role'] ?? 'REVIEWER');
  const tab = currentTab(mine);
  const tabs = h('nav', { class: 'tabs', 'aria-label': t('inst.tabs') }, h('ul', { class: 'tabs__list' },
    mine.map((each) => h('li', {}, h('a', {
      class: 'tabs__item', id: `tab-${each.id}`, href: each.hash || '#/',
      'aria-current': each === tab ? 'page' : null,
    }, t(`inst.tab.${each.id}`))))));
  root.dataset.tab = tab.id;
  root.append(
    h('h1', { class: 'page-title', id: 'inst-title' }, t(tab.title)),
    ctx.notice,
    h('p', { class: 'hint', id: 'inst-who' }, t('inst.who', {
      institution: who['custom:institution'] ?? '', role: t(`inst.role.${who['custom:role'] ?? 'REVIEWER'}`),
    }), who.email ? ` · ${who.email}` : ''),
    tabs);
  ctx.ready();
  tab.view(root, ctx);
}

function updateChrome() {
  document.title = t('inst.doc.title');
  document.getElementById('skip-link').textContent = t('skip');
  document.getElementById('footer-text').textContent = t('footer');
  document.getElementById('brand-sub').textContent = t('inst.brand');
  document.getElementById('header-actions').setAttribute('aria-label', t('header.account'));
  const switcher = document.getElementById('lang-switch');
  switcher.textContent = t('lang.switch');
  switcher.setAttribute('lang', lang() === 'zh' ? 'en' : 'zh-CN');
  switcher.setAttribute('aria-label', t('lang.switch.label'));
  const out = document.getElementById('signout');
  out.textContent = t('logout');
  out.hidden = !signedIn();
}

function signInView(root, ctx) {
  const alert = alertBox('error');
  const card = h('section', { class: 'card narrow-card', 'aria-labelledby': 'signin-title' },
    h('h1', { class: 'card-title', id: 'signin-title' }, t('inst.signin.title')),
    ctx.notice,
    h('p', { class: 'hint' }, t('inst.signin.intro')),
    alert.el);
  root.append(card);
  if (config.cognito) {
    const go = h('button', { type: 'button', class: 'button button--primary button--block', id: 'signin-hosted' }, t('inst.signin.hosted'));
    go.addEventListener('click', async () => {
      go.disabled = true;
      go.textContent = t('inst.signin.redirecting');
      try {
        await startHostedSignIn(config.cognito);
      } catch {
        go.disabled = false;
        go.textContent = t('inst.signin.hosted');
        alert.show(t('inst.signin.failed'));
      }
    });
    card.append(go);
  } else {
    card.append(devForm(ctx, alert));
  }
  ctx.ready();
}

/** Locally: a token from the dev server for an institution code and a role. */
function devForm(ctx, alert) {
  const institution = field({
    id: 'dev-institution', label: t('inst.dev.institution'), value: 'DEMO-SCHOOL', maxlength: 64,
    autocomplete: 'off', required: true, spellcheck: 'false',
  });
  const role = field({
    id: 'dev-role', label: t('inst.dev.role'),
    control: h('select', {},
      h('option', { value: 'REVIEWER' }, t('inst.role.REVIEWER')),
      h('option', { value: 'PLATFORM' }, t('inst.role.PLATFORM'))),
  });
  const submit = h('button', { type: 'submit', class: 'button button--primary button--block', id: 'dev-signin' }, t('inst.dev.submit'));
  const form = h('form', { class: 'form', novalidate: true, id: 'dev-signin-form' },
    h('p', { class: 'note note--flush' }, t('inst.dev.note')), institution.wrap, role.wrap, submit);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    alert.hide();
    const code = institution.input.value.trim();
    if (!code) {
      institution.setError(t('required'));
      institution.input.focus();
      return;
    }
    submit.disabled = true;
    try {
      await devSignIn(code, role.input.value);
    } catch (err) {
      submit.disabled = false;
      if (!ctx.isCurrent()) return;
      const target = { institution, role }[err.field];
      if (target) {
        target.setError(err.message);
        target.input.focus();
      } else alert.show(err.message);
      return;
    }
    render();
  });
  return form;
}

async function start() {
  setLang(lang());
  useStaffSession();
  // UNAUTHENTICATED from the function; review.js also takes the authorizer's bare 401.
  onSessionProblems({
    unauthenticated: () => {
      notice = { kind: 'error', text: t('inst.expired') };
      render();
    },
    profileIncomplete: () => {},
  });
  document.getElementById('lang-switch').addEventListener('click', () => {
    setLang(lang() === 'zh' ? 'en' : 'zh');
    render();
    document.getElementById('lang-switch').focus();
  });
  document.getElementById('signout').addEventListener('click', () => {
    signOut(config.cognito);
    notice = { kind: 'info', text: t('inst.signedOut') };
    render();
  });
  try {
    config = await loadConfig();
  } catch {
    updateChrome();
    main.replaceChildren(h('p', { class: 'alert alert--error', role: 'alert' }, t('error.config')));
    return;
  }
  window.addEventListener('hashchange', () => {
    if (signedIn()) render();
  });
  if (config.cognito) {
    try {
      await finishHostedSignIn(config.cognito);
    } catch (err) {
      const key = err instanceof SignInError ? err.key : 'inst.signin.failed';
      notice = { kind: 'error', text: [t(key), err.detail].filter(Boolean).join(' ') };
    }
  }
  render();
}

start();

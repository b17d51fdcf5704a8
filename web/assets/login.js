// 个人登录: account (ID number or bound mobile), password, arithmetic image captcha.

import { request, session } from './api.js';
import { captchaField } from './captcha.js';
import { alertBox, field, h, waitLine } from './dom.js';
import { t } from './i18n.js';
import { flashNotice, loginFrame } from './shell.js';

export default async function login(root, ctx) {
  const account = field({
    id: 'account', label: t('login.account'), placeholder: t('login.account.placeholder'),
    autocomplete: 'username', autocapitalize: 'characters', spellcheck: 'false', maxlength: 64,
    required: true,
  });
  const password = field({
    id: 'password', label: t('login.password'), type: 'password',
    placeholder: t('login.password.placeholder'), autocomplete: 'current-password',
    maxlength: 128, required: true,
  });
  const alert = alertBox('error');
  const captcha = captchaField({ onError: (err) => alert.show(err.message) });
  const lock = waitLine(ctx, {
    id: 'lock-countdown',
    during: (time) => t('login.locked.countdown', { time }),
    over: () => t('login.locked.over'),
  });
  const submit = h('button', { type: 'submit', class: 'button button--primary button--block', id: 'login-submit' },
    t('login.submit'));
  const registerNote = h('p', { class: 'note', id: 'register-note', hidden: true },
    t('login.register.note'));
  const register = h('button', {
    type: 'button', class: 'link-button', id: 'register', 'aria-expanded': 'false',
    'aria-controls': 'register-note',
  }, t('login.register'));
  register.addEventListener('click', () => {
    registerNote.hidden = !registerNote.hidden;
    register.setAttribute('aria-expanded', String(!registerNote.hidden));
  });
  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'login-title' },
    alert.el, lock.el, account.wrap, password.wrap, captcha.wrap, submit,
    h('div', { class: 'login-links' },
      h('span', {}, t('login.noAccount'), ' ', register),
      h('a', { href: '#/forgot', id: 'forgot' }, t('login.forgot'))),
    registerNote,
    h('p', { class: 'login-links login-links--rules' },
      h('a', { href: '#/rules', id: 'login-rules' }, t('login.rules')), ' · ',
      h('a', { href: '#/manual', id: 'login-manual' }, t('login.manual'))));

  root.append(loginFrame('login-title', t('login.title'),
    flashNotice(ctx.flash), form, h('p', { class: 'hint' }, t('login.hint'))));
  ctx.ready();

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    alert.hide();
    const fields = { account, password, captchaAnswer: captcha };
    let firstBad = null;
    for (const f of Object.values(fields)) {
      const empty = !f.input.value.trim();
      f.setError(empty ? t('required') : null);
      if (empty && !firstBad) firstBad = f;
    }
    if (firstBad) {
      firstBad.input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = t('login.submitting');
    try {
      const result = await request('POST', '/login', {
        auth: false,
        body: {
          account: account.input.value.trim(),
          password: password.input.value,
          captchaId: captcha.id(),
          captchaAnswer: captcha.answer(),
        },
      });
      session.set(result.token);
      lock.hide();
      ctx.go(!result.profileCompleted || result.passwordChangeRequired ? '/profile' : '/centre');
      return;
    } catch (err) {
      captcha.renew();
      if (err.code === 'CAPTCHA_INVALID') {
        captcha.setError(err.message);
        captcha.input.focus();
      } else if (err.code === 'VALIDATION_FAILED' && err.field) {
        const target = fields[err.field] ?? (err.field === 'captchaId' ? captcha : null);
        if (target) {
          target.setError(err.message);
          target.input.focus();
        } else {
          alert.show(err.message);
        }
      } else {
        alert.show(err.message);
        if (err.code === 'ACCOUNT_LOCKED' && err.retryAfter) lock.show(err.retryAfter);
        if (err.code === 'CREDENTIALS_INVALID') {
          password.input.value = '';
          password.input.focus();
        }
      }
    } finally {
      submit.disabled = false;
      submit.textContent = t('login.submit');
    }
  });

  if (session.token) return;
  await captcha.load();
}

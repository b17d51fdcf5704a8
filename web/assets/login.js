// 个人登录: account (ID number or bound mobile), password, arithmetic image captcha.

import { request, session } from './api.js';
import { alertBox, clock, field, h } from './dom.js';
import { t } from './i18n.js';

export default async function login(root, ctx) {
  let captchaId = null;
  let stopCountdown = null;

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
  const image = h('img', {
    id: 'captcha-image', class: 'captcha__image', alt: t('login.captcha.loading'),
    width: 120, height: 40,
  });
  const refresh = h('button', { type: 'button', class: 'link-button', id: 'captcha-refresh' },
    t('login.captcha.refresh'));
  const captcha = field({
    id: 'captcha', label: t('login.captcha'), placeholder: t('login.captcha.placeholder'),
    autocomplete: 'off', inputmode: 'numeric', maxlength: 8, required: true,
    after: h('span', { class: 'captcha' }, image),
  });
  captcha.wrap.append(refresh);
  const alert = alertBox('error');
  const lockLine = h('p', { class: 'lock-countdown', id: 'lock-countdown', hidden: true });
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
    alert.el, lockLine, account.wrap, password.wrap, captcha.wrap, submit,
    h('div', { class: 'login-links' },
      h('span', {}, t('login.noAccount'), ' ', register),
      h('a', { href: '#/forgot-password', id: 'forgot' }, t('login.forgot'))),
    registerNote);

  const notice = ctx.flash
    ? h('p', { class: `alert alert--${ctx.flash.kind === 'error' ? 'error' : 'info'}`, role: 'status' }, ctx.flash.text)
    : null;

  root.append(h('div', { class: 'login-page' },
    h('div', { class: 'login-hero', 'aria-hidden': 'true' },
      h('p', { class: 'login-hero__zh' }, t('login.hero.zh')),
      h('p', { class: 'login-hero__en' }, t('login.hero.en'))),
    h('section', { class: 'card login-card', 'aria-labelledby': 'login-title' },
      h('div', { class: 'card-brand' },
        h('span', { class: 'brand__mark brand__mark--dark', 'aria-hidden': 'true' }, '学'),
        h('span', {},
          h('span', { class: 'card-brand__zh' }, t('login.bank.zh')),
          h('span', { class: 'card-brand__en' }, t('login.bank.en')))),
      h('h1', { id: 'login-title', class: 'card-title' }, t('login.title')),
      notice,
      form,
      h('p', { class: 'hint' }, t('login.hint')))));
  ctx.ready();

  async function loadCaptcha() {
    refresh.disabled = true;
    image.removeAttribute('src');
    image.alt = t('login.captcha.loading');
    try {
      const c = await request('GET', '/captcha', { auth: false });
      captchaId = c.captchaId;
      image.src = c.image;
      image.alt = t('login.captcha.image');
    } catch (err) {
      captchaId = null;
      alert.show(err.message);
    } finally {
      refresh.disabled = false;
    }
  }

  function showLock(seconds) {
    stopCountdown?.();
    const until = Date.now() + seconds * 1000;
    const tick = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) {
        stopCountdown?.();
        lockLine.textContent = t('login.locked.over');
        return;
      }
      lockLine.textContent = t('login.locked.countdown', { time: clock(left) });
    };
    lockLine.hidden = false;
    tick();
    stopCountdown = ctx.interval(tick, 1000);
  }

  refresh.addEventListener('click', () => {
    captcha.input.value = '';
    captcha.setError(null);
    loadCaptcha();
  });

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
          captchaId: captchaId ?? '',
          captchaAnswer: captcha.input.value.trim(),
        },
      });
      session.set(result.token);
      stopCountdown?.();
      ctx.go(!result.profileCompleted || result.passwordChangeRequired ? '/profile' : '/centre');
      return;
    } catch (err) {
      // The captcha is spent by every attempt, right or wrong.
      captcha.input.value = '';
      loadCaptcha();
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
        if (err.code === 'ACCOUNT_LOCKED' && err.retryAfter) showLock(err.retryAfter);
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
  await loadCaptcha();
}

// 忘记密码 (#/forgot), in two steps on one card. 1: the account (ID number or bound mobile; a
// mobile number needs the ID number too) and a captcha → POST /password/reset/code, whose 202 is
// the same for every account, known or not, so the page only says where a code went *if* the
// account has a bound number. 2: the SMS code and a new password → POST /password/reset → back
// to 个人登录 to log in with it (no automatic login).

import { request, session } from './api.js';
import { MOBILE, newPasswordFields, resendButton } from './account-fields.js';
import { captchaField } from './captcha.js';
import { alertBox, field, h, statusLine, waitLine } from './dom.js';
import { t } from './i18n.js';
import { flashNotice, loginFrame } from './shell.js';

const ID_NUMBER = /^\d{17}[\dX]$/i;

function stepTitle(id, number, text) {
  return h('h2', { class: 'step-title', id },
    h('span', { class: 'step-title__no', 'aria-hidden': 'true' }, number), text);
}

/** `f` (when shown) shows `message` under its input and takes the focus; else `alert` shows it. */
function showAt(f, message, alert) {
  if (!f || f.wrap.hidden) {
    alert.show(message);
    return;
  }
  f.setError(message);
  f.input.focus();
}

export default async function forgotPassword(root, ctx) {
  // Step 1: who, and a captcha.
  const account = field({
    id: 'account', label: t('login.account'), placeholder: t('login.account.placeholder'),
    autocomplete: 'username', autocapitalize: 'characters', spellcheck: 'false', maxlength: 64,
    required: true, hint: 'account-hint',
  });
  account.wrap.insertBefore(h('p', { class: 'hint', id: 'account-hint' }, t('forgot.account.hint')),
    account.error);
  const idNumber = field({
    id: 'idNumber', label: t('forgot.idNumber'), placeholder: t('forgot.idNumber.placeholder'),
    autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: 18,
    required: true, hint: 'idNumber-hint',
  });
  idNumber.wrap.insertBefore(h('p', { class: 'hint', id: 'idNumber-hint' }, t('forgot.idNumber.hint')),
    idNumber.error);
  // The ID number is asked (and sent) only when the account typed is a mobile number.
  const byMobile = () => MOBILE.test(account.input.value.trim());
  const showIdNumber = () => {
    const on = byMobile();
    idNumber.wrap.hidden = !on;
    idNumber.input.disabled = !on;
    if (!on) idNumber.setError(null);
  };
  account.input.addEventListener('input', showIdNumber);
  showIdNumber();

  const codeAlert = alertBox('error');
  const captcha = captchaField({ onError: (err) => codeAlert.show(err.message) });
  const sendCode = h('button', {
    type: 'submit', class: 'button button--primary button--block', id: 'reset-send-code',
  }, t('profile.sendCode'));
  const resend = resendButton(ctx, sendCode);
  const sentStatus = statusLine('reset-status', 'note note--flush');
  const codeForm = h('form', {
    class: 'form', novalidate: true, id: 'reset-code-form', 'aria-labelledby': 'step1-title',
  },
  stepTitle('step1-title', '1', t('forgot.step1')),
  codeAlert.el, account.wrap, idNumber.wrap, captcha.wrap, sendCode, sentStatus.el);

  // Step 2: the code and the new password; shown once a code was asked for.
  const smsCode = field({
    id: 'smsCode', label: t('profile.smsCode'), placeholder: t('profile.smsCode.placeholder'),
    inputmode: 'numeric', maxlength: 6, autocomplete: 'one-time-code', required: true,
    hint: 'reset-status',
  });
  const password = newPasswordFields();
  const resetAlert = alertBox('error');
  let blocked = false;
  const submit = h('button', {
    type: 'submit', class: 'button button--primary button--block', id: 'reset-submit',
  }, t('forgot.submit'));
  const resetWait = waitLine(ctx, {
    id: 'reset-wait',
    during: (time) => t('forgot.wait', { time }),
    over: () => t('forgot.wait.over'),
    onOver: () => {
      blocked = false;
      submit.disabled = false;
    },
  });
  const resetForm = h('form', {
    class: 'form form--step', novalidate: true, id: 'reset-form', hidden: true,
    'aria-labelledby': 'step2-title',
  },
  stepTitle('step2-title', '2', t('forgot.step2')),
  resetAlert.el, resetWait.el, smsCode.wrap, password.newPassword.wrap, password.confirm.wrap, submit);

  root.append(loginFrame('forgot-title', t('forgot.title'),
    flashNotice(ctx.flash), codeForm, resetForm,
    h('p', { class: 'hint', id: 'forgot-help' }, t('forgot.help')),
    h('div', { class: 'login-links login-links--back' }, h('a', { href: '#/login', id: 'back-to-login' }, t('forgot.back')))));
  ctx.ready();

  const fields = {
    account, idNumber, captchaId: captcha, captchaAnswer: captcha, smsCode,
    newPassword: password.newPassword,
  };

  /** Marks what is missing in step 1's account part; returns the fields in error. */
  function checkAccount() {
    const bad = [];
    const typed = account.input.value.trim();
    account.setError(typed ? null : t('required'));
    if (!typed) bad.push(account);
    if (byMobile()) {
      const id = idNumber.input.value.trim();
      const problem = !id ? t('required') : ID_NUMBER.test(id) ? null : t('forgot.idNumber.invalid');
      idNumber.setError(problem);
      if (problem) bad.push(idNumber);
    }
    return bad;
  }

  function accountBody() {
    const body = { account: account.input.value.trim() };
    if (byMobile()) body.idNumber = idNumber.input.value.trim().toUpperCase();
    return body;
  }

  codeForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (sendCode.disabled) return;
    codeAlert.hide();
    const bad = checkAccount();
    const answer = captcha.answer();
    captcha.setError(answer ? null : t('required'));
    if (!answer) bad.push(captcha);
    if (bad.length) {
      bad[0].input.focus();
      return;
    }
    sendCode.disabled = true;
    sendCode.textContent = t('forgot.sending');
    let wait = 0;
    try {
      const sent = await request('POST', '/password/reset/code', {
        auth: false,
        body: { ...accountBody(), captchaId: captcha.id(), captchaAnswer: answer },
      });
      sentStatus.show(t('forgot.sent', { m: Math.round(sent.expiresIn / 60) }));
      resetForm.hidden = false;
      sendCode.classList.replace('button--primary', 'button--secondary');
      wait = sent.resendAfter;
      smsCode.input.focus();
    } catch (err) {
      if (err.status === 429 && err.retryAfter) wait = err.retryAfter;
      showAt(err.code === 'CAPTCHA_INVALID' ? captcha : fields[err.field], err.message, codeAlert);
    } finally {
      // A captcha is good for one attempt, whatever its outcome.
      captcha.renew();
      sendCode.textContent = t('profile.sendCode');
      sendCode.disabled = false;
      if (wait) resend.wait(wait);
    }
  });

  resetForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (blocked) return;
    resetAlert.hide();
    const bad = checkAccount();
    const code = smsCode.input.value.trim();
    smsCode.setError(code ? null : t('required'));
    if (!code) bad.push(smsCode);
    bad.push(...password.check());
    if (bad.length) {
      bad[0].input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = t('forgot.submitting');
    try {
      await request('POST', '/password/reset', {
        auth: false,
        body: { ...accountBody(), smsCode: code, newPassword: password.newPassword.input.value },
      });
      // Every session of the learner has ended: any token kept here is dead.
      session.clear();
      ctx.go('/login', { kind: 'info', text: t('forgot.done') });
      return;
    } catch (err) {
      if (err.code === 'PASSWORD_WEAK') {
        password.showWeak(err);
      } else if (err.code === 'SMS_CODE_INVALID') {
        showAt(smsCode, err.message, resetAlert);
      } else if (fields[err.field]) {
        showAt(fields[err.field], err.message, resetAlert);
      } else {
        resetAlert.show(err.message);
        if (err.status === 429 && err.retryAfter) {
          blocked = true;
          resetWait.show(err.retryAfter);
        }
      }
    } finally {
      submit.textContent = t('forgot.submit');
      submit.disabled = blocked;
    }
  });

  await captcha.load();
}

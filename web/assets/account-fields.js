// Form parts of 信息完善, 忘记密码 and 账户设置: a new password with the password rules shown
// beside it (and the rule a PASSWORD_WEAK answer names marked), and a 获取验证码 button that
// counts down until a code may be asked again.

import { clock, countdown, field, h } from './dom.js';
import { t } from './i18n.js';

/** A mainland mobile number: 11 digits, 1[3-9]. */
export const MOBILE = /^1[3-9]\d{9}$/;

// PASSWORD_WEAK's `reason` → the rule of the list it broke.
const RULE_OF_REASON = {
  TOO_SHORT: 'length',
  TOO_LONG: 'length',
  INITIAL_PASSWORD: 'id',
  CONTAINS_ID_NUMBER: 'id',
  CONTAINS_MOBILE: 'mobile',
  COMMON_PASSWORD: 'common',
};
const RULES = ['length', 'id', 'mobile', 'common'];

/**
 * The new password (with the rules) and its confirmation:
 * {newPassword, confirm, policy, check(), showWeak(err)}. `check()` marks what is wrong before
 * sending and returns the fields in error; `showWeak(err)` shows a PASSWORD_WEAK answer.
 */
export function newPasswordFields({
  id = 'newPassword', confirmId = 'confirmPassword', policyId = 'password-policy',
} = {}) {
  const rules = RULES.map((rule) => h('li', { 'data-rule': rule }, t(`profile.policy.${rule}`)));
  const policy = h('div', { class: 'policy', id: policyId },
    h('p', {}, t('profile.policy.title')), h('ul', {}, rules));
  const newPassword = field({
    id, label: t('profile.newPassword'), type: 'password',
    placeholder: t('profile.newPassword.placeholder'), autocomplete: 'new-password',
    minlength: 8, maxlength: 64, required: true, hint: policyId,
  });
  newPassword.wrap.insertBefore(policy, newPassword.error);
  const confirm = field({
    id: confirmId, label: t('profile.confirmPassword'), type: 'password',
    placeholder: t('profile.confirmPassword.placeholder'), autocomplete: 'new-password',
    maxlength: 64, required: true,
  });
  const mark = (rule) => {
    for (const li of rules) li.classList.toggle('policy__broken', li.dataset.rule === rule);
  };
  newPassword.input.addEventListener('input', () => mark(null));

  return {
    newPassword,
    confirm,
    policy,
    check() {
      const bad = [];
      const pw = newPassword.input.value;
      const tooShortOrLong = pw.length < 8 || pw.length > 64;
      newPassword.setError(!pw ? t('required') : tooShortOrLong ? t('profile.policy.length') : null);
      mark(pw && tooShortOrLong ? 'length' : null);
      if (!pw || tooShortOrLong) bad.push(newPassword);
      const same = confirm.input.value === pw;
      confirm.setError(same ? null : t('profile.mismatch'));
      if (!same) bad.push(confirm);
      return bad;
    },
    showWeak(err) {
      newPassword.setError(err.message);
      mark(RULE_OF_REASON[err.reason] ?? null);
      newPassword.input.focus();
    },
    clear() {
      newPassword.input.value = '';
      confirm.input.value = '';
      mark(null);
    },
  };
}

/**
 * Makes `button` (获取验证码) wait `seconds` before a new code may be asked ("{s}秒后重新获取").
 * {wait(seconds), stop()}.
 */
export function resendButton(ctx, button, label = t('profile.sendCode')) {
  let stop = null;
  const end = () => {
    stop?.();
    stop = null;
    button.disabled = false;
    button.textContent = label;
  };
  return {
    wait(seconds) {
      stop?.();
      stop = countdown(ctx, seconds, {
        tick: (left) => {
          button.disabled = true;
          button.textContent = left <= 120
            ? t('profile.resendIn', { s: left }) : t('profile.resendInClock', { time: clock(left) });
        },
        done: end,
      });
    },
    stop: end,
  };
}

/**
 * The SMS code input with its 获取验证码 button and a status line read out when a code is sent:
 * {…field, button, status, resend: resendButton, send(call, options)}. The caller sends the code
 * on `button`'s click through `send`.
 */
export function smsCodeField(ctx, { id = 'smsCode', buttonId = 'send-code', statusId = 'sms-status' } = {}) {
  const button = h('button', { type: 'button', class: 'button button--secondary', id: buttonId },
    t('profile.sendCode'));
  const code = field({
    id, label: t('profile.smsCode'), placeholder: t('profile.smsCode.placeholder'),
    inputmode: 'numeric', maxlength: 6, autocomplete: 'one-time-code', required: true,
    after: button, hint: statusId,
  });
  const status = h('p', { class: 'hint', id: statusId, role: 'status' });
  code.wrap.insertBefore(status, code.error);
  const resend = resendButton(ctx, button);

  /**
   * Asks for a code with `call()` (resolving to `{expiresIn, resendAfter}`): says it was sent and
   * counts down to the next; an error goes under the input `fields[err.field]` names, else under
   * the code, and a 429's `retryAfter` is counted down on the button. Resolves to the answer, or
   * null after an error.
   */
  async function send(call, { fields = {} } = {}) {
    button.disabled = true;
    status.textContent = '';
    code.setError(null);
    try {
      const sent = await call();
      status.textContent = t('profile.codeSent', { m: Math.round(sent.expiresIn / 60) });
      resend.wait(sent.resendAfter);
      code.input.focus();
      return sent;
    } catch (err) {
      if (err.handled) return null;
      button.disabled = false;
      const target = err.field ? fields[err.field] : null;
      if (target) {
        target.setError(err.message);
        target.input.focus();
      } else {
        code.setError(err.message);
        if (err.status === 429 && err.retryAfter) resend.wait(err.retryAfter);
      }
      return null;
    }
  }

  return { ...code, button, status, resend, send };
}

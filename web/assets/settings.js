// 账户设置 (#/settings, active learners): change the password with the current one
// (PUT /password; this session goes on, every other one ends) and change the bound mobile with the
// current password and a code sent to the new number (POST /sms/code CHANGE_MOBILE, PUT /mobile).

import { request } from './api.js';
import { MOBILE, newPasswordFields, smsCodeField } from './account-fields.js';
import { alertBox, field, h, statusLine, waitLine } from './dom.js';
import { t } from './i18n.js';
import { flashNotice, withMenu } from './shell.js';

function currentPasswordField(id) {
  return field({
    id, label: t('settings.currentPassword'), type: 'password',
    placeholder: t('settings.currentPassword.placeholder'), autocomplete: 'current-password',
    maxlength: 128, required: true,
  });
}

/** Each form's messages: {alert (errors), lock (ACCOUNT_LOCKED's countdown), done (success)}. */
function formParts(ctx, name) {
  return {
    alert: alertBox('error'),
    lock: waitLine(ctx, {
      id: `${name}-lock`,
      during: (time) => t('login.locked.countdown', { time }),
      over: () => t('settings.locked.over'),
    }),
    done: statusLine(`${name}-done`),
  };
}

/** Shows an error answer of PUT /password or PUT /mobile where it belongs. */
function showFailure(err, { alert, lock, current, fields, password }) {
  if (err.handled) return;
  let target = null;
  if (err.code === 'CREDENTIALS_INVALID') {
    current.input.value = '';
    target = current;
  } else if (err.code === 'PASSWORD_WEAK' && password) {
    password.showWeak(err);
    return;
  } else {
    target = fields[err.field] ?? fields[err.code] ?? null;
  }
  if (target) {
    target.setError(err.message);
    target.input.focus();
    return;
  }
  alert.show(err.message);
  if (err.code === 'ACCOUNT_LOCKED' && err.retryAfter) lock.show(err.retryAfter);
}

/** Marks the empty ones of `fields` as required; returns those. */
function missing(...fields) {
  return fields.filter((f) => {
    const empty = !f.input.value.trim();
    f.setError(empty ? t('required') : null);
    return empty;
  });
}

export default async function settings(root, ctx) {
  const content = withMenu(root, 'settings');
  content.append(h('h1', { class: 'page-title', id: 'settings-title' }, t('settings.title')),
    flashNotice(ctx.flash) ?? '');
  ctx.ready();
  let current;
  try {
    current = await request('GET', '/profile');
  } catch (err) {
    if (!err.handled) content.append(h('p', { class: 'alert alert--error', role: 'alert' }, err.message));
    return;
  }
  if (!ctx.isCurrent()) return;
  // As every route of an active learner would answer (403 PROFILE_INCOMPLETE).
  if (!current.profileCompleted || current.passwordChangeRequired) {
    ctx.go('/profile', { kind: 'info', text: t('profile.notice1') });
    return;
  }

  const boundMobile = h('dd', { id: 'settings-mobile' }, current.mobileMasked ?? t('settings.mobile.none'));
  const account = h('section', { class: 'panel', 'aria-labelledby': 'settings-account-title' },
    h('h2', { class: 'panel__title', id: 'settings-account-title' }, t('settings.account')),
    h('dl', { class: 'identity' },
      h('div', {}, h('dt', {}, t('settings.name')), h('dd', { id: 'settings-name' }, current.name)),
      h('div', {}, h('dt', {}, t('settings.idNumber')), h('dd', { id: 'settings-id' }, current.idNumberMasked)),
      h('div', {}, h('dt', {}, t('settings.mobile')), boundMobile)));

  content.append(account, passwordPanel(ctx), mobilePanel(ctx, boundMobile));
}

function passwordPanel(ctx) {
  const parts = formParts(ctx, 'password');
  const current = currentPasswordField('currentPassword');
  const password = newPasswordFields();
  const submit = h('button', { type: 'submit', class: 'button button--primary', id: 'password-submit' },
    t('settings.password.submit'));
  const form = h('form', { class: 'form form--narrow', novalidate: true, id: 'password-form', 'aria-labelledby': 'password-title' },
    parts.alert.el, parts.lock.el, current.wrap, password.newPassword.wrap, password.confirm.wrap,
    parts.done.el, h('div', {}, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    parts.alert.hide();
    parts.done.hide();
    const bad = [...missing(current), ...password.check()];
    if (bad.length) {
      bad[0].input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = t('settings.submitting');
    try {
      await request('PUT', '/password', {
        body: { currentPassword: current.input.value, newPassword: password.newPassword.input.value },
      });
      current.input.value = '';
      password.clear();
      parts.lock.hide();
      parts.done.show(t('settings.password.done'));
    } catch (err) {
      showFailure(err, {
        ...parts, current, password, fields: { currentPassword: current, newPassword: password.newPassword },
      });
    } finally {
      submit.disabled = false;
      submit.textContent = t('settings.password.submit');
    }
  });

  return h('section', { class: 'panel', 'aria-labelledby': 'password-title' },
    h('h2', { class: 'panel__title', id: 'password-title' }, t('settings.password')), form);
}

function mobilePanel(ctx, boundMobile) {
  const parts = formParts(ctx, 'mobile');
  const current = currentPasswordField('mobileCurrentPassword');
  const mobile = field({
    id: 'newMobile', label: t('settings.newMobile'), type: 'tel', prefix: '+86',
    placeholder: t('profile.mobile.placeholder'), inputmode: 'numeric', maxlength: 11,
    autocomplete: 'tel-national', required: true,
  });
  const smsCode = smsCodeField(ctx, { id: 'mobileSmsCode', buttonId: 'mobile-send-code', statusId: 'mobile-sms-status' });
  const submit = h('button', { type: 'submit', class: 'button button--primary', id: 'mobile-submit' },
    t('settings.mobile.submit'));
  const form = h('form', { class: 'form form--narrow', novalidate: true, id: 'mobile-form', 'aria-labelledby': 'mobile-title' },
    h('p', { class: 'note note--flush', id: 'mobile-note' }, t('settings.changeMobile.note')),
    parts.alert.el, parts.lock.el, current.wrap, mobile.wrap, smsCode.wrap,
    parts.done.el, h('div', {}, submit));

  const checkMobile = () => {
    const ok = MOBILE.test(mobile.input.value.trim());
    mobile.setError(ok ? null : t('profile.mobile.invalid'));
    return ok ? [] : [mobile];
  };

  smsCode.button.addEventListener('click', () => {
    if (checkMobile().length) {
      mobile.input.focus();
      return;
    }
    parts.done.hide();
    smsCode.send(() => request('POST', '/sms/code', {
      body: { mobile: mobile.input.value.trim(), purpose: 'CHANGE_MOBILE' },
    }), { fields: { mobile } });
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    parts.alert.hide();
    parts.done.hide();
    const bad = [...missing(current), ...checkMobile(), ...missing(smsCode)];
    if (bad.length) {
      bad[0].input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = t('settings.submitting');
    try {
      const changed = await request('PUT', '/mobile', {
        body: {
          currentPassword: current.input.value,
          mobile: mobile.input.value.trim(),
          smsCode: smsCode.input.value.trim(),
        },
      });
      boundMobile.textContent = changed.mobileMasked;
      for (const f of [current, mobile, smsCode]) f.input.value = '';
      smsCode.status.textContent = '';
      parts.lock.hide();
      parts.done.show(t('settings.mobile.done', { mobile: changed.mobileMasked }));
    } catch (err) {
      showFailure(err, {
        ...parts, current,
        fields: {
          currentPassword: current, mobile, smsCode, MOBILE_TAKEN: mobile, SMS_CODE_INVALID: smsCode,
        },
      });
    } finally {
      submit.disabled = false;
      submit.textContent = t('settings.mobile.submit');
    }
  });

  return h('section', { class: 'panel', 'aria-labelledby': 'mobile-title' },
    h('h2', { class: 'panel__title', id: 'mobile-title' }, t('settings.changeMobile')), form);
}

// 信息完善: document validity, mobile number confirmed by SMS code, the new password. Shown after
// a first login, and whenever a route answers 403 PROFILE_INCOMPLETE.

import { request } from './api.js';
import { MOBILE, newPasswordFields, smsCodeField } from './account-fields.js';
import { alertBox, field, h } from './dom.js';
import { t } from './i18n.js';

const TERMS = [5, 10, 20];

/** `iso` (YYYY-MM-DD) plus `years`; 29 February becomes 28 February in a common year. */
export function addYears(iso, years) {
  const [y, m, d] = iso.split('-').map(Number);
  const last = new Date(Date.UTC(y + years, m, 0)).getUTCDate();
  const day = Math.min(d, last);
  return `${String(y + years).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

export default async function profile(root, ctx) {
  let current;
  try {
    current = await request('GET', '/profile');
  } catch (err) {
    if (!err.handled) root.append(h('p', { class: 'alert alert--error', role: 'alert' }, err.message));
    return;
  }
  if (!ctx.isCurrent()) return;
  if (current.profileCompleted && !current.passwordChangeRequired) {
    ctx.go('/centre');
    return;
  }

  let term = current.idLongTerm ? 'long' : null; // 5, 10, 20, 'long' or null

  const idType = h('select', { id: 'idType', name: 'idType' },
    h('option', { value: 'RESIDENT_ID_CARD', selected: true }, t('profile.idType.resident')));
  const validFrom = field({
    id: 'idValidFrom', label: t('profile.validFrom'), type: 'date', max: today(),
    placeholder: t('profile.validFrom.placeholder'), required: true,
    value: current.idValidFrom ?? null, title: t('profile.validFrom.placeholder'),
  });
  const validTo = field({
    id: 'idValidTo', label: t('profile.validTo'), type: 'date',
    placeholder: t('profile.validTo.placeholder'), required: true,
    value: current.idValidTo ?? null, title: t('profile.validTo.placeholder'),
  });
  const longTermText = h('p', { class: 'long-term', id: 'long-term-text', hidden: true },
    t('profile.longTerm'));
  validTo.wrap.insertBefore(longTermText, validTo.error);

  const presetButtons = [...TERMS, 'long'].map((value) => h('button', {
    type: 'button', class: 'chip', 'data-term': String(value), 'aria-pressed': 'false',
    onclick: () => choose(value),
  }, t(`profile.preset.${value}`)));
  const presets = h('div', { class: 'chips', role: 'group', 'aria-label': t('profile.presets') },
    presetButtons);

  function showTerm() {
    for (const b of presetButtons) b.setAttribute('aria-pressed', String(b.dataset.term === String(term)));
    const long = term === 'long';
    validTo.input.hidden = long;
    validTo.input.disabled = long;
    longTermText.hidden = !long;
  }

  function choose(value) {
    validTo.setError(null);
    if (value === 'long') {
      term = 'long';
      validTo.input.value = '';
    } else {
      if (!validFrom.input.value) {
        validFrom.setError(t('profile.presetNeedsStart'));
        validFrom.input.focus();
        return;
      }
      term = value;
      validTo.input.value = addYears(validFrom.input.value, value);
    }
    showTerm();
  }

  validFrom.input.addEventListener('change', () => {
    if (typeof term === 'number' && validFrom.input.value) {
      validTo.input.value = addYears(validFrom.input.value, term);
    }
  });
  validTo.input.addEventListener('change', () => {
    term = null;
    showTerm();
  });
  showTerm();

  const mobile = field({
    id: 'mobile', label: t('profile.mobile'), type: 'tel', prefix: '+86',
    placeholder: t('profile.mobile.placeholder'), inputmode: 'numeric', maxlength: 11,
    autocomplete: 'tel-national', required: true,
    hint: current.mobileMasked ? 'mobile-bound' : null,
  });
  if (current.mobileMasked) {
    mobile.wrap.insertBefore(h('p', { class: 'hint', id: 'mobile-bound' },
      t('profile.mobile.bound', { mobile: current.mobileMasked })), mobile.error);
  }
  const smsCode = smsCodeField(ctx);
  const sendCode = smsCode.button;

  const needsPassword = current.passwordChangeRequired;
  const password = newPasswordFields();
  const { newPassword, confirm } = password;

  const alert = alertBox('error');
  const submit = h('button', { type: 'submit', class: 'button button--primary button--block', id: 'profile-submit' },
    t('profile.submit'));
  const form = h('form', { class: 'form', novalidate: true, 'aria-labelledby': 'profile-title' },
    h('div', { class: 'field' },
      h('label', { for: 'idType', class: 'field__label' }, t('profile.idType')), idType),
    h('fieldset', { class: 'fieldset' },
      h('legend', { class: 'field__label' }, t('profile.validity')),
      h('div', { class: 'date-pair' }, validFrom.wrap, validTo.wrap),
      presets),
    mobile.wrap,
    smsCode.wrap,
    needsPassword ? newPassword.wrap : null,
    needsPassword ? confirm.wrap : null,
    alert.el,
    submit);

  const notice = ctx.flash && ctx.flash.text !== t('profile.notice1')
    ? h('p', { class: 'alert alert--info', role: 'status' }, ctx.flash.text) : null;

  root.append(h('section', { class: 'card form-card', 'aria-labelledby': 'profile-title' },
    h('h1', { id: 'profile-title', class: 'card-title' }, t('profile.title')),
    notice,
    h('div', { class: 'notices', role: 'note', 'aria-label': t('profile.notices') },
      h('ol', {},
        h('li', { class: 'notices__first' }, t('profile.notice1')),
        h('li', {}, t('profile.notice2')),
        h('li', {}, t('profile.notice3')))),
    h('dl', { class: 'identity' },
      h('div', {}, h('dt', {}, t('profile.name')), h('dd', { id: 'profile-name' }, current.name)),
      h('div', {}, h('dt', {}, t('profile.idNumber')), h('dd', { id: 'profile-id' }, current.idNumberMasked))),
    form));
  ctx.ready();

  sendCode.addEventListener('click', () => {
    const number = mobile.input.value.trim();
    if (!MOBILE.test(number)) {
      mobile.setError(t('profile.mobile.invalid'));
      mobile.input.focus();
      return;
    }
    smsCode.send(() => request('POST', '/sms/code', { body: { mobile: number, purpose: 'BIND_MOBILE' } }),
      { fields: { mobile } });
  });

  const byField = {
    idType: null, idValidFrom: validFrom, idValidTo: validTo, idLongTerm: validTo,
    mobile, smsCode, newPassword,
  };
  const byCode = {
    SMS_CODE_INVALID: smsCode, ID_EXPIRED: validTo, ID_VALIDITY_INVALID: validTo,
    MOBILE_TAKEN: mobile,
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    alert.hide();
    const errors = [];
    const need = (f, ok, message) => {
      f.setError(ok ? null : message);
      if (!ok) errors.push(f);
    };
    need(validFrom, Boolean(validFrom.input.value), t('required'));
    if (term !== 'long') need(validTo, Boolean(validTo.input.value), t('required'));
    need(mobile, MOBILE.test(mobile.input.value.trim()), t('profile.mobile.invalid'));
    need(smsCode, Boolean(smsCode.input.value.trim()), t('required'));
    if (needsPassword) errors.push(...password.check());
    if (errors.length) {
      errors[0].input.focus();
      return;
    }
    const body = {
      idType: idType.value,
      idValidFrom: validFrom.input.value,
      idValidTo: term === 'long' ? null : validTo.input.value,
      idLongTerm: term === 'long',
      mobile: mobile.input.value.trim(),
      smsCode: smsCode.input.value.trim(),
    };
    if (needsPassword) body.newPassword = newPassword.input.value;
    submit.disabled = true;
    submit.textContent = t('profile.submitting');
    try {
      await request('PUT', '/profile', { body });
      ctx.go('/centre', { kind: 'info', text: t('profile.saved') });
    } catch (err) {
      if (err.handled) return;
      if (err.code === 'PASSWORD_WEAK') {
        password.showWeak(err);
        return;
      }
      const target = (err.field && byField[err.field]) || byCode[err.code];
      const shown = target && !(target === validTo && term === 'long') ? target : null;
      if (shown) {
        shown.setError(err.message);
        shown.input.focus();
      } else {
        alert.show(err.message);
      }
    } finally {
      submit.disabled = false;
      submit.textContent = t('profile.submit');
    }
  });
}

// The arithmetic image captcha of 个人登录 and 忘记密码: the image (GET /captcha), its answer
// field and 看不清，换一张. A captcha is spent by every attempt, right or wrong: call `renew()`
// after each one.

import { request } from './api.js';
import { field, h } from './dom.js';
import { t } from './i18n.js';

/**
 * {wrap, input, setError, load(), renew(), id(), answer()}; `onError(err)` shows a failure to
 * fetch one (a 429 from this address, the network).
 */
export function captchaField({ onError }) {
  let captchaId = null;
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

  async function load() {
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
      onError(err);
    } finally {
      refresh.disabled = false;
    }
  }

  function renew() {
    captcha.input.value = '';
    return load();
  }

  refresh.addEventListener('click', () => {
    captcha.setError(null);
    renew();
  });

  return {
    ...captcha,
    load,
    renew,
    id: () => captchaId ?? '',
    answer: () => captcha.input.value.trim(),
  };
}

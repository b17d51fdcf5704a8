// 忘记密码. The API has the reset routes (POST /password/reset/code with a captcha, then
// POST /password/reset with the SMS code; see openapi.yaml), but this page's flow is not written
// yet: it still only says to contact the school. The reset flow replaces this module (same
// export, same #/forgot-password route); nothing else in the client needs to change.

import { h } from './dom.js';
import { t } from './i18n.js';

export default function forgotPassword(root, ctx) {
  root.append(h('section', { class: 'card narrow-card', 'aria-labelledby': 'forgot-title' },
    h('h1', { id: 'forgot-title', class: 'card-title' }, t('forgot.title')),
    h('p', { class: 'note', id: 'forgot-note' }, t('forgot.note')),
    h('p', {}, h('a', { href: '#/login', class: 'button button--secondary' }, t('forgot.back')))));
  ctx.ready();
}

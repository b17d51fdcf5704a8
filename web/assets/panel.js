// Two pieces every list of records on these pages shares: the panel that shows one record beside
// its list (opened from a row, reloaded in place, closed back to the row's button; an answer
// that comes after a newer request is dropped), and the inline confirmation of a withdrawal.

import { request } from './api.js';
import { h, statusLine } from './dom.js';
import { t } from './i18n.js';

/**
 * A record's panel: `ids` ({ panel, title, body, close, done? }), `title` (an i18n key),
 * `load(id)` (the record), `render(view, { reopen })` (its children), `opener(id)` (the selector
 * of the button focused again on close).
 */
export function recordPanel(ctx, { ids, title: key, load, render, opener }) {
  const title = h('h2', { class: 'panel__title', id: ids.title, tabindex: '-1' }, t(key));
  const done = ids.done ? statusLine(ids.done) : null;
  const body = h('div', { id: ids.body, 'aria-live': 'polite' });
  const close = h('button', { type: 'button', class: 'button button--secondary', id: ids.close }, t('reg.detail.close'));
  const panel = h('section', { class: 'panel', id: ids.panel, 'aria-labelledby': ids.title, hidden: true },
    h('div', { class: 'panel__head' }, title, close), done?.el ?? '', body);
  let shown = null;
  let asked = 0;

  close.addEventListener('click', () => {
    panel.hidden = true;
    done?.hide();
    const button = shown && document.querySelector(opener(shown));
    shown = null;
    button?.focus();
  });

  async function open(id, { focus = true, keepDone = false } = {}) {
    const mine = ++asked;
    shown = id;
    panel.hidden = false;
    if (!keepDone) done?.hide();
    body.replaceChildren(h('p', { class: 'loading' }, t('loading')));
    if (focus) {
      panel.scrollIntoView?.({ block: 'start' });
      title.focus({ preventScroll: true });
    }
    let view;
    try {
      view = await load(id);
    } catch (err) {
      if (!err.handled && ctx.isCurrent() && mine === asked) body.replaceChildren(h('p', { class: 'alert alert--error', role: 'alert' }, err.message));
      return;
    }
    if (!ctx.isCurrent() || mine !== asked) return;
    body.replaceChildren(...render(view, { reopen: () => open(id, { focus: false }) }));
  }

  return { panel, open, done, shown: () => (panel.hidden ? null : shown) };
}

/**
 * The confirmation of a withdrawal under a row's `actions`: `message`, the POST to `url`, then
 * `onDone`; `prefix` names its buttons (`<prefix>-withdraw-yes`, `-no`) and the row's button
 * focused again (`.<prefix>-withdraw`).
 */
export function withdrawConfirm(ctx, { message, url, prefix, actions, onDone }) {
  const problem = h('p', { class: 'field-error', role: 'alert', hidden: true });
  const yes = h('button', { type: 'button', class: `button button--danger ${prefix}-withdraw-yes` }, t('reg.withdraw.yes'));
  const no = h('button', { type: 'button', class: `button button--secondary ${prefix}-withdraw-no` }, t('reg.withdraw.no'));
  const el = h('div', { class: 'confirm', role: 'group', 'aria-label': t('reg.withdraw'), hidden: true },
    h('p', { class: 'confirm__text' }, message), problem, h('div', { class: 'confirm__actions' }, yes, no));
  no.addEventListener('click', () => {
    el.hidden = true;
    actions.hidden = false;
    actions.querySelector(`.${prefix}-withdraw`)?.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    problem.hidden = true;
    try {
      await request('POST', url);
    } catch (err) {
      yes.disabled = false;
      if (err.handled || !ctx.isCurrent()) return;
      problem.textContent = err.message;
      problem.hidden = false;
      return;
    }
    if (ctx.isCurrent()) onDone();
  });
  return {
    el,
    show() {
      actions.hidden = true;
      el.hidden = false;
      no.focus();
    },
  };
}

// A few DOM helpers. Text always goes in as text nodes (never innerHTML): names, issuers and
// messages come from the server.

/**
 * h('button', {class: 'x', type: 'button', onclick: f}, 'text', child, ...): an element.
 * Attributes: `class`, `text`, `on<event>` handlers, booleans (`hidden`, `disabled`, ...:
 * set when true, absent when false), anything else as an attribute; null/undefined skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = value;
    else if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/**
 * A labelled input with its error line: {wrap, input, error, setError(message|null)}.
 * `label` is shown above the input; `hint` (an element id) is read out with the input.
 * `control` (a select, a textarea) takes the input's place; it gets the id.
 */
export function field({ id, label, type = 'text', hint, prefix, after, labelClass, control: given, ...attrs }) {
  const input = given ?? h('input', { id, name: id, type, ...attrs });
  if (given) {
    input.id = id;
    input.name = id;
  }
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  const describedBy = () => [hint, error.hidden ? null : error.id].filter(Boolean).join(' ');
  const sync = () => {
    const ids = describedBy();
    if (ids) input.setAttribute('aria-describedby', ids);
    else input.removeAttribute('aria-describedby');
  };
  sync();
  const control = prefix || after
    ? h('div', { class: 'input-group' },
        prefix ? h('span', { class: 'input-group__prefix' }, prefix) : null, input, after ?? null)
    : input;
  const wrap = h('div', { class: 'field' },
    h('label', { for: id, class: labelClass ?? 'field__label' }, label), control, error);
  const setError = (message) => {
    error.textContent = message ?? '';
    error.hidden = !message;
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
    sync();
  };
  input.addEventListener('input', () => setError(null));
  return { wrap, input, error, setError };
}

/** A box for messages about the whole form: `role=alert` so it is read out when it changes. */
export function alertBox(kind = 'error') {
  const box = h('div', { class: `alert alert--${kind}`, role: kind === 'error' ? 'alert' : 'status', hidden: true });
  return {
    el: box,
    show(...content) {
      box.replaceChildren(...content);
      box.hidden = false;
    },
    hide() {
      box.replaceChildren();
      box.hidden = true;
    },
  };
}

/** `seconds` as m:ss (or h:mm:ss). */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return hh ? `${hh}:${String(mm).padStart(2, '0')}:${ss}` : `${mm}:${ss}`;
}

/**
 * Counts `seconds` down once a second (through the page's `ctx.interval`, so it ends with the
 * page): `tick(secondsLeft)` at once and every second, then `done()`. Returns a stop function.
 */
export function countdown(ctx, seconds, { tick, done }) {
  const until = Date.now() + Math.max(0, seconds) * 1000;
  let stop = () => {};
  const step = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left > 0) {
      tick(left);
      return;
    }
    stop();
    done?.();
  };
  if (seconds <= 0) {
    done?.();
    return stop;
  }
  step();
  stop = ctx.interval(step, 1000);
  return () => stop();
}

/**
 * A line that counts a wait down (a lock, a 429's Retry-After): `during(time)` and `over()` give
 * its texts; `onOver` runs when the wait is over. {el, show(seconds), hide()}.
 */
export function waitLine(ctx, { id, during, over, onOver }) {
  const el = h('p', { class: 'lock-countdown', id, hidden: true });
  let stop = null;
  return {
    el,
    show(seconds) {
      stop?.();
      el.hidden = false;
      stop = countdown(ctx, seconds, {
        tick: (left) => { el.textContent = during(clock(left)); },
        done: () => {
          el.textContent = over();
          onOver?.();
        },
      });
    },
    hide() {
      stop?.();
      stop = null;
      el.hidden = true;
      el.textContent = '';
    },
  };
}

/**
 * A polite live region (`role=status`), there from the start so that what is put in it is read
 * out: {el, show(text), hide()}; the text shows as a paragraph of class `kind`.
 */
export function statusLine(id, kind = 'alert alert--info') {
  const el = h('div', { id, role: 'status' });
  return {
    el,
    show(text) {
      el.replaceChildren(h('p', { class: kind }, text));
    },
    hide() {
      el.replaceChildren();
    },
  };
}

// 证明材料: the evidence files of a registration. Each chosen file is checked here first (JPEG,
// PNG or PDF, not empty, at most 5 MiB), then uploaded at once: POST /uploads answers a form (an
// S3 presigned POST; on the dev server /_dev/files), and the file is posted to it as
// multipart/form-data, every field of the form first and the file last, with XMLHttpRequest,
// whose upload events drive the file's progress bar (fetch reports no upload progress). The
// registration then names the uploads by id. Whether the bytes really are what the type says is
// the server's check, when the registration is submitted (UPLOAD_INVALID).

import { request, resolveUrl } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

export const MAX_FILES = 5;
export const MAX_BYTES = 5 * 1024 * 1024;
/** The longest file name the API keeps (characters). */
const MAX_NAME = 100;
const TYPES = { 'image/jpeg': ['jpg', 'jpeg'], 'image/png': ['png'], 'application/pdf': ['pdf'] };

/** The file's type among ours: as the browser says it, else by its extension; null if neither. */
export function fileType(file) {
  const declared = String(file.type || '').toLowerCase();
  if (TYPES[declared]) return declared;
  const ext = String(file.name).split('.').pop().toLowerCase();
  return Object.keys(TYPES).find((type) => TYPES[type].includes(ext)) ?? null;
}

/** 1234567 → "1.2 MB". */
export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A name the API takes: at most 100 characters, the extension kept. */
function apiFileName(name) {
  const chars = [...String(name).replace(/[\u0000-\u001f\u007f]/g, '_')];
  if (chars.length <= MAX_NAME) return chars.join('');
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? [...name.slice(dot)].slice(0, 10).join('') : '';
  return chars.slice(0, MAX_NAME - ext.length).join('') + ext;
}

/** Why `file` cannot be evidence, or null. */
function refusal(file) {
  if (!fileType(file)) return t('upload.badType', { name: file.name });
  if (file.size === 0) return t('upload.empty', { name: file.name });
  if (file.size > MAX_BYTES) return t('upload.tooLarge', { name: file.name });
  return null;
}

/**
 * Posts `file` with the upload form `form`: {done (a promise), abort()}. `progress(fraction)`
 * follows the upload. The promise rejects with the HTTP status (0: no answer, -1: aborted).
 */
export function postFile(form, file, progress) {
  const url = resolveUrl(form.url);
  if (!url) return { done: Promise.reject(0), abort: () => {} };
  const xhr = new XMLHttpRequest();
  const done = new Promise((resolve, reject) => {
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable && e.total) progress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => (xhr.status >= 200 && xhr.status < 300 ? resolve() : reject(xhr.status)));
    xhr.addEventListener('error', () => reject(0));
    xhr.addEventListener('timeout', () => reject(0));
    xhr.addEventListener('abort', () => reject(-1));
  });
  const data = new FormData();
  for (const [name, value] of Object.entries(form.fields ?? {})) data.append(name, value);
  data.append('file', file, apiFileName(file.name));
  xhr.timeout = 120_000;
  // No custom header: a plain form post needs no CORS preflight (S3 answers none for POST).
  xhr.open(form.method || 'POST', url);
  xhr.send(data);
  return { done, abort: () => xhr.abort() };
}

/**
 * The evidence field: a file input, one row per file (name, size, progress bar, remove), one
 * polite live region for what happens to them, and the field's error line. `max` files at most
 * (5); `label` and `hint` replace the evidence's texts (问题反馈's attachments).
 * {wrap, input, setError, ids(), uploading(), failed(), keep(evidence), clear()}.
 */
export function evidencePicker({ id, max = MAX_FILES, label = t('upload.label'), hint: hintText = t('upload.hint', { n: max }) }) {
  const input = h('input', {
    id, name: id, type: 'file', multiple: true,
    accept: 'image/jpeg,image/png,application/pdf,.jpg,.jpeg,.png,.pdf',
  });
  const hint = h('p', { class: 'hint', id: `${id}-hint` }, hintText);
  const list = h('ul', { class: 'uploads', id: `${id}-list`, 'aria-label': t('upload.list') });
  const live = h('p', { class: 'sr-only', id: `${id}-status`, role: 'status' });
  const error = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  const wrap = h('div', { class: 'field', id: `${id}-field` },
    h('label', { for: id, class: 'field__label' }, label), hint, input, list, live, error);
  const rows = [];

  const setError = (message) => {
    error.textContent = message ?? '';
    error.hidden = !message;
    input.setAttribute('aria-describedby', message ? `${hint.id} ${error.id}` : hint.id);
    if (message) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  };
  setError(null);
  const say = (text) => { live.textContent = text; };

  function addRow(entry) {
    const bar = h('progress', { class: 'upload__bar', max: '100', value: entry.state === 'kept' ? '100' : '0', 'aria-label': t('upload.progress', { name: entry.name }) });
    const status = h('span', { class: 'upload__status' });
    const rowError = h('p', { class: 'field-error upload__error', hidden: true });
    const retry = h('button', { type: 'button', class: 'link-button upload__retry', hidden: true }, t('upload.retry'));
    const remove = h('button', { type: 'button', class: 'link-button upload__remove', 'aria-label': t('upload.remove.label', { name: entry.name }) }, t('upload.remove'));
    const li = h('li', { class: 'upload' },
      h('div', { class: 'upload__head' },
        h('span', { class: 'upload__name' }, entry.name),
        h('span', { class: 'upload__size' }, formatSize(entry.size)),
        h('span', { class: 'upload__actions' }, retry, remove)),
      h('div', { class: 'upload__progress' }, bar, status),
      rowError);
    const row = Object.assign(entry, { li, bar, status, rowError, retry, abort: null });
    const show = (state, text, problem = null) => {
      row.state = state;
      li.dataset.state = state;
      status.textContent = text;
      rowError.textContent = problem ?? '';
      rowError.hidden = !problem;
      retry.hidden = state !== 'failed' || !row.file;
    };
    row.show = show;
    if (entry.state === 'kept') show('kept', t('upload.kept'));
    remove.addEventListener('click', () => {
      row.abort?.();
      rows.splice(rows.indexOf(row), 1);
      li.remove();
      say(t('upload.removed', { name: row.name }));
      setError(null);
      input.focus();
    });
    retry.addEventListener('click', () => upload(row));
    rows.push(row);
    list.append(li);
    return row;
  }

  async function upload(row) {
    const { file } = row;
    row.uploadId = null;
    row.bar.value = 0;
    row.show('uploading', t('upload.percent', { p: 0 }));
    say(t('upload.started', { name: row.name }));
    let form;
    try {
      form = await request('POST', '/uploads', {
        body: { fileName: apiFileName(file.name), contentType: fileType(file), size: file.size },
      });
    } catch (err) {
      if (!err.handled && rows.includes(row)) fail(row, err.message);
      return;
    }
    if (!rows.includes(row)) return;
    const post = postFile(form, file, (fraction) => {
      const p = Math.min(99, Math.floor(fraction * 100));
      row.bar.value = p;
      row.status.textContent = t('upload.percent', { p });
    });
    row.abort = post.abort;
    try {
      await post.done;
    } catch (status) {
      if (status !== -1 && rows.includes(row)) fail(row, t('upload.failed'));
      return;
    } finally {
      row.abort = null;
    }
    row.uploadId = form.uploadId;
    row.bar.value = 100;
    row.show('done', t('upload.done'));
    say(t('upload.doneFile', { name: row.name }));
  }

  function fail(row, message) {
    row.show('failed', t('upload.failedShort'), message);
    say(`${row.name}: ${message}`);
  }

  input.addEventListener('change', () => {
    const chosen = [...input.files];
    input.value = '';
    const problems = [];
    for (const file of chosen) {
      const why = refusal(file);
      if (why) problems.push(why);
      else if (rows.length >= max) {
        problems.push(t('upload.tooMany', { n: max }));
        break;
      } else upload(addRow({ file, name: file.name, size: file.size, state: 'new' }));
    }
    setError(problems.length ? problems.join(' ') : null);
    if (problems.length) say(problems.join(' '));
  });

  return {
    wrap,
    input,
    setError,
    /** The uploads to name, in order: those uploaded and those kept from before. */
    ids: () => rows.filter((r) => r.uploadId && (r.state === 'done' || r.state === 'kept')).map((r) => r.uploadId),
    uploading: () => rows.filter((r) => r.state === 'uploading').length,
    failed: () => rows.filter((r) => r.state === 'failed').length,
    /** Shows a registration's evidence as already uploaded (a resubmission may keep it). */
    keep(evidence) {
      for (const e of evidence) {
        addRow({ file: null, name: e.fileName, size: e.size, state: 'kept', uploadId: e.uploadId });
      }
    },
    clear() {
      for (const row of rows.splice(0)) row.abort?.();
      list.replaceChildren();
      setError(null);
      say('');
    },
  };
}

// A conversion rule and a conversion application as the learner, anyone and the school see them:
// the rule's conditions (type, subtype, certificate, lowest level), the course it converts into,
// its cap and period; an application's details. Shared by 查看转换规则, 成果转换 and the school's
// page. Every server text goes in as text.

import { h } from './dom.js';
import { t } from './i18n.js';
import { formatTime, statusBadge } from './registration-view.js';

/** What a rule accepts, in one line: 非学历成果 / 职业技能等级证书(X证书) · 电梯… · 中级及以上. */
export function sourceText(rule) {
  const s = rule.source ?? {};
  return [
    [s.typeLabel, s.subtypeLabel].filter(Boolean).join(' / '),
    s.name || t('rules.anyCertificate'),
    s.minLevelLabel ? t('rules.minLevel.atLeast', { level: s.minLevelLabel }) : null,
  ].filter(Boolean).join(' · ');
}

/** The course a rule converts into: 电梯维护与保养（ELE-201）. */
export function courseText(target) {
  return t('rules.course.named', { name: target?.courseName ?? '', code: target?.courseCode ?? '' });
}

/** The period in force: 2024-01-01 至 2099-12-31, or 2024-01-01 起长期有效. */
export function periodText(rule) {
  return rule.effectiveTo
    ? t('rules.period', { from: rule.effectiveFrom, to: rule.effectiveTo })
    : t('rules.period.open', { from: rule.effectiveFrom });
}

function row(key, value, id) {
  if (value === null || value === undefined || value === '') return null;
  return h('div', {}, h('dt', {}, t(key)), h('dd', { id }, value));
}

/** A rule's terms as a definition list; `prefix` makes the ids unique on the page. */
export function ruleDetails(rule, { prefix = null, extra = [] } = {}) {
  const id = (name) => (prefix ? `${prefix}-${name}` : null);
  return h('dl', { class: 'details rule-terms' },
    row('rules.institution', rule.institution?.name, id('institution')),
    row('rules.source', sourceText(rule), id('source')),
    row('rules.course', courseText(rule.target), id('course')),
    row('rules.courseCredits', String(rule.target?.credits ?? ''), id('course-credits')),
    row('rules.mode', rule.target?.modeLabel, id('mode')),
    row('rules.maxCredits', String(rule.maxCredits ?? ''), id('max-credits')),
    row('rules.periodLabel', periodText(rule), id('period')),
    extra);
}

/** An application's details (the learner first, on the school's page). */
export function applicationDetails(view, { learner = false } = {}) {
  const a = view.achievement ?? {};
  const rule = view.rule ?? {};
  const credits = (n) => (n === null || n === undefined ? null : String(n));
  return h('dl', { class: 'details' },
    learner && view.learner ? row('reg.learner', view.learner.name, 'conv-detail-learner-name') : null,
    learner && view.learner ? row('reg.learnerId', view.learner.idNumberMasked, 'conv-detail-learner-id') : null,
    row('conv.achievement', a.name, 'conv-detail-achievement'),
    row('reg.type', [a.typeLabel, a.subtypeLabel].filter(Boolean).join(' / '), 'conv-detail-type'),
    row('reg.issuer', a.issuer, 'conv-detail-issuer'),
    row('conv.achievementCredits', credits(a.credits), 'conv-detail-achievement-credits'),
    row('rules.institution', view.institution?.name, 'conv-detail-institution'),
    row('rules.name', rule.name, 'conv-detail-rule'),
    row('rules.course', courseText(rule.target), 'conv-detail-course'),
    row('rules.courseCredits', credits(rule.target?.credits), 'conv-detail-course-credits'),
    row('rules.mode', rule.target?.modeLabel, 'conv-detail-mode'),
    row('conv.maxGrantable', credits(view.maxCredits), 'conv-detail-max'),
    row('reg.submittedAt', formatTime(view.submittedAt), 'conv-detail-submitted-at'),
    h('div', {}, h('dt', {}, t('reg.status')), h('dd', {}, statusBadge(view.status, view.statusLabel, 'conv-detail-status'))),
    row('conv.granted', view.status === 'APPROVED' ? credits(view.grantedCredits) : null, 'conv-detail-granted'));
}

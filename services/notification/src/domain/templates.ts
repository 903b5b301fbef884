/**
 * Mail templates: which exist, which placeholders each may use, their defaults, and rendering.
 * A template is plain text with `{{name}}` placeholders; the HTML body is derived from it with
 * every character (placeholder values included) HTML-escaped.
 */
export const templateKeys = [
  'case.opened.customer',
  'case.assigned.customer',
  'case.assigned.agent',
  'case.resolved.customer',
  'digest.daily',
] as const;
export type TemplateKey = (typeof templateKeys)[number];

export function isTemplateKey(value: string): value is TemplateKey {
  return (templateKeys as readonly string[]).includes(value);
}

const caseVariables = ['case.id', 'case.subject', 'case.priority', 'case.createdAt'] as const;
const customerVariables = ['customer.name', 'customer.email'] as const;

/** The placeholders each template may use. Customers never get an agent's email address. */
export const templateVariables: Record<TemplateKey, readonly string[]> = {
  'case.opened.customer': [...caseVariables, ...customerVariables],
  'case.assigned.customer': [...caseVariables, ...customerVariables, 'agent.name', 'case.assignedAt'],
  'case.assigned.agent': [...caseVariables, ...customerVariables, 'agent.name', 'agent.email', 'case.assignedAt'],
  'case.resolved.customer': [
    ...caseVariables,
    ...customerVariables,
    'agent.name',
    'case.resolvedAt',
    'case.resolution',
  ],
  'digest.daily': [
    'digest.date',
    'digest.opened',
    'digest.assigned',
    'digest.resolved',
    'digest.waiting',
    'digest.oldestWaiting',
    'digest.oldestWaitingId',
    'digest.oldestWaitingSubject',
    'digest.oldestWaitingSince',
  ],
};

export interface TemplateText {
  subject: string;
  body: string;
}

type Segment = { text: string } | { variable: string };

export interface TemplateProblem {
  message: string;
}

const placeholderName = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;

/** Splits a template into literal text and `{{name}}` placeholders; problems for malformed ones. */
export function parseTemplate(text: string): { segments: Segment[]; problems: TemplateProblem[] } {
  const segments: Segment[] = [];
  const problems: TemplateProblem[] = [];
  let rest = text;
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) break;
    const close = rest.indexOf('}}', open + 2);
    if (close < 0) {
      problems.push({ message: `unclosed placeholder "${rest.slice(open, open + 40)}"` });
      break;
    }
    const inner = rest.slice(open + 2, close).trim();
    if (open > 0) segments.push({ text: rest.slice(0, open) });
    if (placeholderName.test(inner)) segments.push({ variable: inner });
    else problems.push({ message: `malformed placeholder "{{${inner.slice(0, 60)}}}"` });
    rest = rest.slice(close + 2);
  }
  if (rest.length > 0) segments.push({ text: rest });
  return { segments, problems };
}

/** Problems of a template text for `key`: malformed placeholders and ones it may not use. */
export function templateProblems(key: TemplateKey, text: string): TemplateProblem[] {
  const { segments, problems } = parseTemplate(text);
  const allowed = templateVariables[key];
  for (const segment of segments) {
    if ('variable' in segment && !allowed.includes(segment.variable)) {
      problems.push({
        message: `unknown placeholder {{${segment.variable}}}; allowed: ${allowed.map((v) => `{{${v}}}`).join(', ')}`,
      });
    }
  }
  return problems;
}

export type TemplateValues = Record<string, string>;

function fill(text: string, values: TemplateValues): string {
  return parseTemplate(text)
    .segments.map((s) => ('text' in s ? s.text : (values[s.variable] ?? '')))
    .join('');
}

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => htmlEntities[c]!);
}

function toHtml(text: string): string {
  const paragraphs = text
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>\n')}</p>`)
    .join('\n');
  return `<!doctype html>\n<html><body style="font-family: sans-serif; line-height: 1.4">\n${paragraphs}\n</body></html>\n`;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Renders a template: subject on one line, a text body and its HTML-escaped twin. */
export function renderTemplate(template: TemplateText, values: TemplateValues): RenderedMail {
  const oneLine: TemplateValues = {};
  for (const [k, v] of Object.entries(values)) oneLine[k] = v.replace(/[\r\n]+/g, ' ');
  const text = fill(template.body, values);
  return { subject: fill(template.subject, oneLine).trim(), text, html: toHtml(text) };
}

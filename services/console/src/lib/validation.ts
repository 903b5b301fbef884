// Client-side checks that mirror the API's rules, so mistakes show next to the field before a
// round trip. The server stays the judge: its 400 field errors are shown the same way.
import type { Priority, Role } from '../api/types';
import { priorities, roles } from '../api/types';

export type Errors<K extends string> = Partial<Record<K, string>>;

export function hasErrors(errors: Record<string, string | undefined>): boolean {
  return Object.values(errors).some(Boolean);
}

/** Free text of min–max characters that is not only whitespace (the case service's `text`). */
export function checkText(value: string, max: number, label: string): string | undefined {
  if (value.length === 0 || value.trim().length === 0) return `${label} is required.`;
  if (value.length > max) return `${label} must be at most ${max.toLocaleString('en')} characters (now ${value.length.toLocaleString('en')}).`;
  if (value.includes('\u0000')) return `${label} must not contain NUL characters.`;
  return undefined;
}

export const SUBJECT_MAX = 200;
export const DESCRIPTION_MAX = 10_000;
export const COMMENT_MAX = 10_000;
export const PASSWORD_MIN = 10;

export function validateCase(input: { subject: string; description: string; priority: string }) {
  const errors: Errors<'subject' | 'description' | 'priority'> = {};
  errors.subject = checkText(input.subject, SUBJECT_MAX, 'Subject');
  errors.description = checkText(input.description, DESCRIPTION_MAX, 'Description');
  if (!priorities.includes(input.priority as Priority)) errors.priority = 'Choose low, normal, high or urgent.';
  return errors;
}

export function validateComment(body: string) {
  return { body: checkText(body, COMMENT_MAX, 'Comment') };
}

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function checkEmail(email: string): string | undefined {
  if (!email.trim()) return 'Email is required.';
  if (!emailPattern.test(email.trim())) return 'Enter an email address such as name@example.com.';
  return undefined;
}

export function checkPassword(password: string): string | undefined {
  if (!password) return 'Password is required.';
  if (password.length < PASSWORD_MIN) return `Password must be at least ${PASSWORD_MIN} characters (now ${password.length}).`;
  return undefined;
}

export function validateRegistration(input: { email: string; password: string; name: string }) {
  const errors: Errors<'email' | 'password' | 'name'> = {};
  errors.name = input.name.trim() ? undefined : 'Name is required.';
  errors.email = checkEmail(input.email);
  errors.password = checkPassword(input.password);
  return errors;
}

export function validateNewUser(input: { email: string; password: string; name: string; role: string }) {
  const errors: Errors<'email' | 'password' | 'name' | 'role'> = validateRegistration(input);
  if (!roles.includes(input.role as Role)) errors.role = 'Choose a role.';
  return errors;
}

export function validateLogin(input: { email: string; password: string }) {
  return {
    email: input.email.trim() ? undefined : 'Email is required.',
    password: input.password ? undefined : 'Password is required.',
  };
}

export function checkCapacity(value: string): string | undefined {
  if (!/^\d+$/.test(value.trim())) return 'Capacity must be a whole number.';
  const n = Number(value);
  if (n < 1 || n > 50) return 'Capacity must be between 1 and 50.';
  return undefined;
}

export function checkWebhookUrl(url: string): string | undefined {
  if (!url.trim()) return 'URL is required.';
  try {
    const u = new URL(url.trim());
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return 'Use an http:// or https:// URL.';
  } catch {
    return 'Enter a full URL such as https://example.com/hooks/helmdesk.';
  }
  return undefined;
}

/** Placeholders used in a template text (`{{ name }}`), and the ones not in `allowed`. */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)].map((m) => m[1] ?? '');
}

export function unknownPlaceholders(text: string, allowed: readonly string[]): string[] {
  return [...new Set(placeholdersIn(text).filter((p) => !allowed.includes(p)))];
}

export function validateTemplate(input: { subject: string; body: string }, allowed: readonly string[] | undefined) {
  const errors: Errors<'subject' | 'body'> = {};
  if (!input.subject.trim()) errors.subject = 'Subject is required.';
  else if (input.subject.trim().length > 200) errors.subject = 'Subject must be at most 200 characters.';
  else if (/[\r\n]/.test(input.subject.trim())) errors.subject = 'Subject must be one line.';
  if (!input.body) errors.body = 'Body is required.';
  else if (input.body.length > 10_000) errors.body = 'Body must be at most 10,000 characters.';
  if (allowed) {
    const bad = [input.subject, input.body].map((t) => unknownPlaceholders(t, allowed));
    if (!errors.subject && bad[0]!.length) errors.subject = `Unknown placeholder ${bad[0]!.map((p) => `{{${p}}}`).join(', ')}.`;
    if (!errors.body && bad[1]!.length) errors.body = `Unknown placeholder ${bad[1]!.map((p) => `{{${p}}}`).join(', ')}.`;
  }
  return errors;
}

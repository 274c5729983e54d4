/**
 * What the notification statements share: their parsed forms, the ranges of their values, and the small
 * grammar pieces both the integration DDL (integration-ddl.ts) and the sending CALLs (notification-call.ts)
 * use. Documented in docs/delivery.md.
 */
import type { Cursor } from './cursor.js';

/** Ranges of the numeric options (docs/delivery.md). */
export const MAX_SMTP_PORT = 65_535;
export const MAX_RECIPIENTS = 50;
export const MAX_SUBJECT_CHARS = 256;

export type IntegrationType = 'WEBHOOK' | 'EMAIL' | 'NOTEBOOK';

export interface WebhookSettings {
  type: 'WEBHOOK';
  url: string;
  bodyTemplate?: string;
  headers: [string, string][];
}

export interface EmailSettings {
  type: 'EMAIL';
  allowedRecipients?: string[];
  defaultRecipients?: string[];
  defaultSubject?: string;
  /** DT Lab's own: the SMTP server the mail goes through. */
  smtpHost: string;
  smtpPort: number;
  smtpFrom: string;
  smtpSecure: boolean;
}

export interface NotebookSettings {
  type: 'NOTEBOOK';
}

export type IntegrationSettings = WebhookSettings | EmailSettings | NotebookSettings;

export interface IntegrationSpec {
  name: string;
  enabled: boolean;
  comment?: string;
  settings: IntegrationSettings;
}

/** One message of a send: its content type and text. */
export interface NotificationMessage {
  contentType: 'text/plain' | 'text/html' | 'application/json';
  content: string;
}

/** Where a send goes: an integration, with an email's subject and recipients when given. */
export interface NotificationTarget {
  integration: string;
  /** Where the integration is named in the statement (0-based offset), for errors about it. */
  at: number;
  subject?: string;
  to?: string[];
  cc?: string[];
  bcc?: string[];
}

export type NotificationStatement =
  | { op: 'create'; orReplace: boolean; ifNotExists: boolean; spec: IntegrationSpec }
  | { op: 'drop'; ifExists: boolean; name: string }
  | { op: 'show'; like?: string }
  | { op: 'describe'; name: string }
  | { op: 'send'; messages: NotificationMessage[]; targets: NotificationTarget[] };

export function subject(c: Cursor): string {
  const t = c.peek();
  const s = c.string('a subject');
  if (s.length > MAX_SUBJECT_CHARS)
    c.failOption(`the subject is longer than ${MAX_SUBJECT_CHARS} characters`, t);
  return s;
}

export const isAddress = (s: string) => /^[^\s@,;<>]+@[^\s@,;<>]+$/.test(s);

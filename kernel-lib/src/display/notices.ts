/**
 * The notebook channel as JupyterLab shows it (pure, shared by the extension): each delivery event becomes a
 * notice — a NOTEBOOK integration's message (the channel's delivery itself), or any channel's delivery that
 * failed for good — and unread notebook messages are counted for the badge in the Dynamic Tables sidebar.
 */
import type { DeliveryEvent } from '../delivery/worker.js';
import type { SchedulerEvent } from '../schedule/events.js';

export interface Notice {
  kind: 'info' | 'error';
  /** One line for a JupyterLab notification. */
  text: string;
}

export interface NoticeModel {
  /** Notebook-channel messages not yet seen (the sidebar badge). */
  unread: number;
  /** The newest notebook-channel message, for the sidebar. */
  last: { integration: string; subject: string; body: string } | null;
}

export const emptyNotices: NoticeModel = { unread: 0, last: null };

/** The JupyterLab notification an event brings, if any. */
export function noticeOf(e: SchedulerEvent): Notice | undefined {
  if (e.type !== 'delivery') return undefined;
  if (e.channel === 'NOTEBOOK' && e.outcome === 'sent')
    return { kind: 'info', text: `${e.integration}: ${e.subject ? `${e.subject} — ` : ''}${e.body}` };
  if (e.outcome === 'failed')
    return {
      kind: 'error',
      text: `Notification ${e.id} to ${e.integration} failed after ${e.attempt} attempt(s): ${e.error ?? ''}`,
    };
  return undefined;
}

export function foldNotices(model: NoticeModel, e: SchedulerEvent): NoticeModel {
  if (!isNotebookMessage(e)) return model;
  return { unread: model.unread + 1, last: { integration: e.integration, subject: e.subject, body: e.body } };
}

const isNotebookMessage = (e: SchedulerEvent): e is Extract<DeliveryEvent, { type: 'delivery' }> =>
  e.type === 'delivery' && e.channel === 'NOTEBOOK' && e.outcome === 'sent';

export const readNotices = (model: NoticeModel): NoticeModel => ({ ...model, unread: 0 });

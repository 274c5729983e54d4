/**
 * The "Dynamic Tables" left-sidebar panel: every DT of the page's engine with state, lag vs target and last
 * refresh, live. It reads the catalog once per connection and again after each catalog change (create,
 * replace, alter, drop, rename: a `catalog` event); everything else — lag samples, scheduling states,
 * finished refreshes — comes from the engine's events through kernel-lib's pure fold. Nothing polls.
 * Notifications: a message sent through a NOTEBOOK integration (and any delivery that failed for good) is
 * shown as a JupyterLab notification; unread notebook messages are counted on a badge on the panel's tab
 * and in its header (kernel-lib's display/notices.ts), cleared when the panel is opened.
 */

import { ILayoutRestorer, type JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Notification } from '@jupyterlab/apputils';
import type { Message } from '@lumino/messaging';
import { Widget } from '@lumino/widgets';
import { auditTime, Observable, of, switchMap } from 'rxjs';
import {
  emptySidebar,
  foldSidebar,
  type SidebarModel,
  sidebarFromCatalog,
} from '../../kernel-lib/dist/display/live.js';
import {
  emptyNotices,
  foldNotices,
  type NoticeModel,
  noticeOf,
  readNotices,
} from '../../kernel-lib/dist/display/notices.js';
import type { Connection } from '../../kernel-lib/dist/magics/browser.js';
import { DtlabSidebar } from './components/sidebar.js';
import { connection$, events$ } from './connection.js';

interface SidebarState {
  model: SidebarModel;
  /** The lesson clock as a catalog timestamp, null without an engine. */
  clock: string | null;
}

const timestamp = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

/** One connection's DTs, as a stream of sidebar states. */
function follow(c: Connection): Observable<SidebarState> {
  return new Observable<SidebarState>((subscriber) => {
    let model = emptySidebar;
    let reading: Promise<void> = Promise.resolve();
    const emit = () => subscriber.next({ model, clock: timestamp(c.engine.clock.now()) });
    // Catalog reads run one after another; a refresh or lag event arriving meanwhile is folded into the
    // model the read then completes.
    const read = (withHistory: boolean) => {
      reading = reading
        .then(async () => {
          const [dts, history] = await Promise.all([
            c.engine.listDynamicTables(),
            withHistory ? c.engine.history() : Promise.resolve([]),
          ]);
          model = sidebarFromCatalog(model, dts, c.engine.clock.now(), history);
          emit();
        })
        .catch((e: unknown) => console.warn('DT Lab sidebar: cannot read the catalog', e));
    };
    read(true);
    const events = c.scheduler.events$.subscribe((e) => {
      model = foldSidebar(model, e);
      if (e.type === 'catalog' && e.action !== 'dropped') read(false);
      emit();
    });
    return () => events.unsubscribe();
  });
}

/** The panel's widget: tells when it is shown (opening the panel marks the notifications read). */
class SidebarWidget extends Widget {
  onShown: () => void = () => {};
  protected override onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    this.onShown();
  }
}

export const sidebarPlugin: JupyterFrontEndPlugin<void> = {
  id: '@dtlab/jupyterlab:sidebar',
  description:
    'A "Dynamic Tables" panel in the left sidebar: every DT with state, lag vs target, last refresh.',
  autoStart: true,
  optional: [ILayoutRestorer],
  activate: (app, restorer: ILayoutRestorer | null) => {
    const panel = new DtlabSidebar();
    const widget = new SidebarWidget({ node: document.createElement('div') });
    widget.id = 'dtlab-sidebar';
    widget.addClass('dtlab-Sidebar');
    widget.title.iconClass = 'dtlab-SidebarIcon';
    widget.title.caption = 'Dynamic Tables';
    widget.node.appendChild(panel);
    connection$
      .pipe(
        switchMap((c) => (c ? follow(c) : of<SidebarState>({ model: emptySidebar, clock: null }))),
        auditTime(250), // at most four redraws a second while the clock races
      )
      .subscribe((s) => {
        panel.model = s.model;
        panel.clock = s.clock;
        panel.connected = s.clock !== null;
      });
    // Notifications and the badge: every delivery event of the current connection.
    let notices: NoticeModel = emptyNotices;
    const showNotices = () => {
      panel.notices = notices;
      widget.title.className = notices.unread > 0 ? 'dtlab-has-notices' : '';
      widget.title.caption =
        notices.unread > 0 ? `Dynamic Tables — ${notices.unread} new notification(s)` : 'Dynamic Tables';
    };
    events$.subscribe((e) => {
      const notice = noticeOf(e);
      if (notice)
        Notification.emit(notice.text, notice.kind, { autoClose: notice.kind === 'error' ? false : 8000 });
      notices = foldNotices(notices, e);
      if (widget.isVisible) notices = readNotices(notices);
      showNotices();
    });
    panel.addEventListener('dtlab-read-notices', () => {
      notices = readNotices(notices);
      showNotices();
    });
    widget.onShown = () => {
      notices = readNotices(notices);
      showNotices();
    };
    app.shell.add(widget, 'left', { rank: 650 });
    restorer?.add(widget, 'dtlab-sidebar');
  },
};

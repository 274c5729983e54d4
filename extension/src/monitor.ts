/**
 * The DT Lab monitor: a main-area panel (command "DT Lab: Open Monitor" in the palette) with refresh
 * durations, lag against target, error rate, credits per warehouse and row counts of the page's engine, live.
 * It reads the database once per connection (kernel-lib display/monitor-read.ts) and then folds the engine's
 * and the scheduler's events (display/monitor.ts); nothing polls. On the kernel runtime the engine lives in
 * the kernel, not the page: the panel says so.
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';
import { auditTime, from, map, merge, type Observable, of, scan, switchMap } from 'rxjs';
import { foldMonitor, type MonitorModel } from '../../kernel-lib/dist/display/monitor.js';
import { readMonitor } from '../../kernel-lib/dist/display/monitor-read.js';
import type { Connection } from '../../kernel-lib/dist/magics/browser.js';
import { DtlabMonitor } from './components/monitor.js';
import { connection$ } from './connection.js';

type MonitorState = { model?: MonitorModel; note?: string };

function follow(c: Connection): Observable<MonitorState> {
  // Events that arrive while the first read runs are folded into it once it lands.
  const patches = merge(
    from(readMonitor(c.engine)).pipe(map((m) => (_: MonitorModel | undefined) => m)),
    c.scheduler.events$.pipe(map((e) => (m: MonitorModel | undefined) => (m ? foldMonitor(m, e) : m))),
  );
  return patches.pipe(
    scan((m: MonitorModel | undefined, patch) => patch(m), undefined),
    map((model) => (model ? { model } : {})),
  );
}

export const monitorPlugin: JupyterFrontEndPlugin<void> = {
  id: '@dtlab/jupyterlab:monitor',
  description: 'A main-area monitor of the page engine: refresh durations, lag, errors, credits, row counts.',
  autoStart: true,
  optional: [ICommandPalette],
  activate: (app, palette: ICommandPalette | null) => {
    let current: MainAreaWidget<Widget> | null = null;
    app.commands.addCommand('dtlab:open-monitor', {
      label: 'DT Lab: Open Monitor',
      caption: 'Refresh durations, lag vs target, error rate, credits and row counts, live',
      execute: () => {
        if (current && !current.isDisposed) {
          app.shell.activateById(current.id);
          return;
        }
        const element = new DtlabMonitor();
        const content = new Widget({ node: document.createElement('div') });
        content.node.appendChild(element);
        content.node.style.height = '100%';
        const widget = new MainAreaWidget({ content });
        widget.id = 'dtlab-monitor';
        widget.title.label = 'DT Lab Monitor';
        widget.title.closable = true;
        const subscription = connection$
          .pipe(
            switchMap((c) =>
              c
                ? follow(c)
                : of<MonitorState>({
                    note: 'No engine in this page yet: run a magic cell (%dt connect duckdb, or any %%sql) in a notebook on the browser runtime. On the DT Lab kernel, use %dt history and %dt lag.',
                  }),
            ),
            auditTime(500),
          )
          .subscribe((s) => {
            element.model = s.model;
            element.note = s.note;
          });
        widget.disposed.connect(() => subscription.unsubscribe());
        current = widget;
        app.shell.add(widget, 'main', { mode: 'split-right' });
      },
    });
    palette?.addItem({ command: 'dtlab:open-monitor', category: 'DT Lab' });
  },
};

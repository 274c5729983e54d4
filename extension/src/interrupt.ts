/**
 * JupyterLab's interrupt for magic cells the page runs. The toolbar's stop button and the `I, I` shortcut execute
 * `notebook:interrupt-kernel`; Kernel → Interrupt Kernel executes `kernelmenu:interrupt`, a semantic command that
 * executes `notebook:interrupt-kernel` for the current notebook (enabled whenever a notebook is the current
 * widget, with a kernel or not), passing the notebook's id as `semanticWidget`. That command interrupts the
 * notebook's kernel if it has one; with no kernel (JupyterLite, a notebook whose magics run in the page)
 * nothing would stop the page's cells. This plugin listens to the command registry's `commandExecuted` and
 * aborts the page-run magic cells of the notebook the command acts on (the one named by `semanticWidget`, else
 * the current one) — the running one mid-statement or between two units of its work, the queued ones before
 * they start — and pauses `%dt clock run`. (JupyterLab 4.5 has no other interrupt command: `console:interrupt-
 * kernel` is a console's.)
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import { SemanticCommand } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import './runtime.js'; // declares window.dtlab

export const INTERRUPT_COMMAND = 'notebook:interrupt-kernel';

/** The page-run magic cells of each notebook (its model) still running or queued. */
const running = new WeakMap<object, Set<AbortController>>();

/** A signal for a magic cell of `notebook`, aborted when that notebook is interrupted; `done` forgets it. */
export function interruptible(notebook: object): { signal: AbortSignal; done: () => void } {
  const controller = new AbortController();
  const cells = running.get(notebook) ?? new Set<AbortController>();
  running.set(notebook, cells);
  cells.add(controller);
  return { signal: controller.signal, done: () => cells.delete(controller) };
}

function interrupt(notebook: object | null | undefined): void {
  if (notebook) for (const c of running.get(notebook) ?? []) c.abort();
  if (window.dtlab) window.dtlab.session.stopRunning(); // `%dt clock run` in the page pauses
}

export const interruptPlugin: JupyterFrontEndPlugin<void> = {
  id: '@dtlab/jupyterlab:interrupt',
  description: "Interrupts the page's magic cells with JupyterLab's stop button and Kernel → Interrupt.",
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app, tracker: INotebookTracker) => {
    app.commands.commandExecuted.connect((_, { id, args }) => {
      if (id !== INTERRUPT_COMMAND) return;
      const named = args[SemanticCommand.WIDGET];
      const panel =
        (typeof named === 'string' && tracker.find((w) => w.id === named)) || tracker.currentWidget;
      interrupt(panel?.content.model);
    });
  },
};

/**
 * JupyterLab's interrupt for magic cells the page runs. The toolbar's stop button, Kernel → Interrupt Kernel
 * (a semantic command that delegates to the notebook's) and the `I, I` shortcut all execute
 * `notebook:interrupt-kernel`, which interrupts the notebook's kernel if it has one; with no kernel (JupyterLite,
 * a notebook whose magics run in the page) nothing would stop them. This plugin listens to the command
 * registry's `commandExecuted` and aborts the page-run magic cells of the current notebook — the one the command
 * acts on — the running one between two units of its work, the queued ones before they start — and pauses
 * `%dt clock run`.
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
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
    app.commands.commandExecuted.connect((_, { id }) => {
      if (id === INTERRUPT_COMMAND) interrupt(tracker.currentWidget?.content.model);
    });
  },
};

/**
 * The notebook cell executor: magic cells (%%dynamic_table, %%sql, %dt) run in the page on the browser
 * runtime; every other cell goes to JupyterLab's own executor and the kernel. Replacing the
 * INotebookCellExecutor service (JupyterLab ≥ 4.1) is the supported way to change how cells run: Run, Run
 * All, Shift+Enter and the toolbar all go through it. The core provider is disabled in package.json.
 * With no kernel to be had at all (JupyterLite without one), a non-magic cell gets an error saying so.
 * On a kernel that runs the magics itself (the DT Lab (TypeScript) kernel, the kernel runtime), every cell
 * goes to the kernel.
 */
import type { JupyterFrontEndPlugin } from '@jupyterlab/application';
import type { CodeCell } from '@jupyterlab/cells';
import type { IOutput } from '@jupyterlab/nbformat';
import { INotebookCellExecutor, runCell } from '@jupyterlab/notebook';
import { errorOutput, InterruptedError, isMagicCell } from '../../kernel-lib/dist/magics/browser.js';
import { interruptible } from './interrupt.js';
import { showProgress } from './progress.js';
import { runtime } from './runtime.js';

/**
 * Output metadata marking what the page's own session made: only those outputs follow the page engine's
 * events (a kernel's outputs are updated by the kernel, with update_display_data).
 */
export const PAGE_OUTPUT = 'dtlab/page';

/** Execution counts of magic cells: per page, like a kernel's. */
let executionCount = 0;

async function runMagicCell(
  cell: CodeCell,
  options: INotebookCellExecutor.IRunCellOptions,
): Promise<boolean> {
  const source = cell.model.sharedModel.getSource();
  const g = runtime();
  // The stop button aborts it (interrupt.ts); the progress line follows what it reports (progress.ts).
  const { signal, done } = interruptible(options.notebook);
  const progress = showProgress(cell, g.session, source);
  // Queued now, before any await: Run All calls every cell at once and the session runs them in call order.
  // A syntax error becomes a rejection, not a throw.
  const run = (async () => g.session.run(source, { signal, onProgress: progress.report }))();
  options.onCellExecutionScheduled({ cell });
  cell.model.sharedModel.transact(() => {
    cell.model.clearExecution();
  });
  cell.setPrompt('*');
  const outputs: IOutput[] = [];
  let success = true;
  try {
    const bundles = (await run) ?? [];
    for (const b of bundles)
      outputs.push({
        output_type: 'display_data',
        data: b.data,
        metadata: { ...b.metadata, [PAGE_OUTPUT]: true },
      });
    g.marks.push({ name: source.trim().split('\n')[0] ?? '', at: performance.now() });
  } catch (e) {
    success = false;
    progress.stop();
    done();
    // Queued behind an interrupted cell: not run, shown as a kernel shows an aborted cell (no output, no count).
    if (e instanceof InterruptedError && e.notStarted) {
      cell.model.outputs.clear();
      cell.setPrompt('');
      options.onCellExecuted({ cell, success });
      return success;
    }
    outputs.push({ output_type: 'error', ...errorOutput(e) });
  }
  progress.stop();
  done();
  cell.model.outputs.clear();
  for (const o of outputs) cell.model.outputs.add(o);
  cell.model.executionCount = ++executionCount;
  options.onCellExecuted({ cell, success });
  return success;
}

/**
 * Whether the notebook's kernel runs magic cells itself: its kernelspec says `"metadata": {"dtlab": {"runtime":
 * "kernel"}}`, as the DT Lab (TypeScript) kernel's does (kernel-lib/src/kernel/install.ts).
 */
function kernelRunsMagics(options: INotebookCellExecutor.IRunCellOptions): boolean {
  const ctx = options.sessionContext;
  const name = ctx?.session?.kernel?.name;
  if (!ctx || !name) return false;
  const metadata = ctx.specsManager.specs?.kernelspecs[name]?.metadata as
    | { dtlab?: { runtime?: string } }
    | undefined;
  return metadata?.dtlab?.runtime === 'kernel';
}

/**
 * A code cell that is not a magic needs a kernel. Where there is none to start — a JupyterLite site built
 * without one, a server with no kernelspec — JupyterLab would open a kernel dialog that can only say "No
 * Kernel" and leave the cell unrun; say so in the cell instead, with what does run here.
 */
function noKernelAvailable(options: INotebookCellExecutor.IRunCellOptions): boolean {
  const ctx = options.sessionContext;
  if (!ctx?.hasNoKernel) return false;
  const specs = ctx.specsManager.specs;
  return specs !== null && Object.keys(specs.kernelspecs).length === 0;
}

function refuseWithoutKernel(cell: CodeCell, options: INotebookCellExecutor.IRunCellOptions): boolean {
  options.onCellExecutionScheduled({ cell });
  cell.model.outputs.clear();
  cell.model.outputs.add({
    output_type: 'error',
    ename: 'NoKernel',
    evalue: 'this cell needs a kernel, and none is available here',
    traceback: [
      'NoKernel: this cell needs a kernel, and none is available here (this site has no kernel installed).',
      'Magic cells run without one: %%dynamic_table, %%sql and %dt.',
    ],
  });
  options.onCellExecuted({ cell, success: false });
  return false;
}

export const executorPlugin: JupyterFrontEndPlugin<INotebookCellExecutor> = {
  id: '@dtlab/jupyterlab:cell-executor',
  description: 'Runs DT Lab magic cells in the page; other cells go to the kernel.',
  autoStart: true,
  provides: INotebookCellExecutor,
  activate: (): INotebookCellExecutor =>
    Object.freeze({
      runCell: async (options: INotebookCellExecutor.IRunCellOptions) => {
        if (options.cell.model.type !== 'code') return runCell(options);
        const cell = options.cell as CodeCell;
        if (isMagicCell(cell.model.sharedModel.getSource()) && !kernelRunsMagics(options))
          return runMagicCell(cell, options);
        if (noKernelAvailable(options)) return refuseWithoutKernel(cell, options);
        return runCell(options);
      },
    }),
};

/** `dtlab-kernel`: install the DT Lab kernelspec into a Python environment, or start the kernel (Jupyter does). */
import { installKernelSpec, KERNEL_DISPLAY_NAME, KERNEL_NAME } from './install.js';

export const KERNEL_USAGE = `dtlab-kernel — the DT Lab (TypeScript) Jupyter kernel: tslab with DT Lab magics

Usage:
  dtlab-kernel install --prefix DIR [--db SPEC]   write DIR/share/jupyter/kernels/${KERNEL_NAME}/kernel.json
                                                  (DIR: a venv, e.g. .venv; --db sets DTLAB_KERNEL_DB in it)
  dtlab-kernel start --config-path FILE           run the kernel (Jupyter starts it with its connection file)
  dtlab-kernel --help

In the kernel, magic cells (%%dynamic_table, %%sql, %dt …) run on a session whose database is PGlite
(embedded) unless DTLAB_KERNEL_DB or %dt connect says otherwise (pglite[:DIR] | postgres://… | duckdb);
other cells are TypeScript (tslab) and see \`dt\` (that session) and \`dtlab\` (kernel-lib's API).
Kernel name in Jupyter: ${KERNEL_NAME} ("${KERNEL_DISPLAY_NAME}").`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
}

export async function main(args: string[]): Promise<number | undefined> {
  const [command, ...rest] = args;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      console.log(KERNEL_USAGE);
      return 0;
    }
    if (command === 'install') {
      const prefix = option(rest, '--prefix');
      if (!prefix) throw new Error('install needs --prefix DIR (the Python environment Jupyter runs from)');
      const db = option(rest, '--db');
      const file = installKernelSpec(prefix, db ? { DTLAB_KERNEL_DB: db } : undefined);
      console.log(`installed kernelspec ${KERNEL_NAME} ("${KERNEL_DISPLAY_NAME}"): ${file}`);
      return 0;
    }
    if (command === 'start') {
      const configPath = option(rest, '--config-path');
      if (!configPath) throw new Error('start needs --config-path FILE (Jupyter passes {connection_file})');
      try {
        const { startKernel } = await import('./kernel.js');
        startKernel({ configPath });
      } catch (e) {
        console.error('dtlab-kernel: the kernel could not start:', e);
        return 1;
      }
      return undefined; // the kernel runs until Jupyter shuts it down
    }
    throw new Error(`unknown command '${command}'`);
  } catch (e) {
    console.error(`dtlab-kernel: ${e instanceof Error ? e.message : String(e)}\n\n${KERNEL_USAGE}`);
    return 2;
  }
}

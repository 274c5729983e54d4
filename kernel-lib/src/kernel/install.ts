/**
 * The kernelspec of the DT Lab kernel: `dtlab-kernel install --prefix .venv` writes
 * PREFIX/share/jupyter/kernels/dtlab-ts/kernel.json, which Jupyter in that environment lists as
 * "DT Lab (TypeScript)". Node and this file are named by absolute path, so the kernel starts from any
 * notebook directory without anything on PATH.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const KERNEL_NAME = 'dtlab-ts';
export const KERNEL_DISPLAY_NAME = 'DT Lab (TypeScript)';

export interface KernelSpec {
  argv: string[];
  display_name: string;
  language: string;
  interrupt_mode: 'signal';
  env?: Record<string, string>;
  metadata: Record<string, unknown>;
}

export function kernelSpec(env?: Record<string, string>): KernelSpec {
  const bin = fileURLToPath(new URL('../../bin/dtlab-kernel.js', import.meta.url));
  return {
    argv: [process.execPath, bin, 'start', '--config-path', '{connection_file}'],
    display_name: KERNEL_DISPLAY_NAME,
    language: 'typescript',
    interrupt_mode: 'signal',
    ...(env && Object.keys(env).length > 0 ? { env } : {}),
    metadata: { dtlab: { runtime: 'kernel' } },
  };
}

/** Writes the kernelspec under `prefix` (a venv or conda env); returns the kernel.json path. */
export function installKernelSpec(prefix: string, env?: Record<string, string>): string {
  const dir = path.join(path.resolve(prefix), 'share', 'jupyter', 'kernels', KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'kernel.json');
  writeFileSync(file, `${JSON.stringify(kernelSpec(env), null, 2)}\n`);
  return file;
}

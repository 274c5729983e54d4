/** DT Lab's JupyterLab plugins (the MIME renderers are in mime.ts, a mimeExtension). */
import { executorPlugin } from './executor.js';
import { interruptPlugin } from './interrupt.js';
import { monitorPlugin } from './monitor.js';
import { sidebarPlugin } from './sidebar.js';

export default [executorPlugin, interruptPlugin, sidebarPlugin, monitorPlugin];

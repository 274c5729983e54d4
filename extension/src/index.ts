/** DT Lab's JupyterLab plugins (the MIME renderers are in mime.ts, a mimeExtension). */
import { executorPlugin } from './executor.js';

export default [executorPlugin];

/**
 * MIME renderers for DT Lab's output types: result tables (paged), the DAG (dagre layout, SVG), the
 * refresh history (as a paged table), the lag chart (Observable Plot) and the comparison of two DTs. Renderers build elements from JSON through lit templates: no data is ever run as script.
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import type { DagModel, LagPoint, RefreshRecord } from '../../kernel-lib/dist/magics/browser.js';
import { type CompareData, DtlabCompare } from './components/compare.js';
import { DtlabDag } from './components/dag.js';
import { DtlabLag } from './components/lag.js';
import { DtlabTable, type TableData } from './components/table.js';

// Literal copies of kernel-lib's MIME constants: importing them would pull the engine into this small chunk.
const TABLE = 'application/vnd.dtlab.table+json';
const DAG = 'application/vnd.dtlab.dag+json';
const HISTORY = 'application/vnd.dtlab.history+json';
const LAG = 'application/vnd.dtlab.lag+json';
const COMPARE = 'application/vnd.dtlab.compare+json';

const HISTORY_COLUMNS: [keyof RefreshRecord, string, string][] = [
  ['name', 'name', 'varchar'],
  ['state', 'state', 'varchar'],
  ['refreshAction', 'action', 'varchar'],
  ['refreshTrigger', 'trigger', 'varchar'],
  ['dataTimestamp', 'data_timestamp', 'timestamp'],
  ['rowsInserted', 'rows_inserted', 'bigint'],
  ['rowsDeleted', 'rows_deleted', 'bigint'],
  ['executionMs', 'execution_ms', 'double'],
  ['creditsUsed', 'credits', 'double'],
  ['reason', 'reason', 'varchar'],
];

function historyTable(data: { records: RefreshRecord[] }): TableData {
  return {
    columns: HISTORY_COLUMNS.map(([, name, type]) => ({ name, type })),
    rows: data.records.map((r) =>
      HISTORY_COLUMNS.map(([k]) => (k === 'executionMs' ? Math.round(r.executionMs * 10) / 10 : r[k])),
    ),
    rowCount: data.records.length,
    title: 'Refresh history',
  };
}

class DtlabRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(
    private readonly mimeType: string,
    private readonly make: (data: unknown) => HTMLElement,
  ) {
    super();
    this.addClass('dtlab-output');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.node.replaceChildren(this.make(model.data[this.mimeType]));
    return Promise.resolve();
  }
}

function table(data: unknown): HTMLElement {
  const el = new DtlabTable();
  el.data = data as TableData;
  return el;
}

function factory(mimeType: string, make: (data: unknown) => HTMLElement): IRenderMime.IRendererFactory {
  return { safe: true, mimeTypes: [mimeType], createRenderer: () => new DtlabRenderer(mimeType, make) };
}

const extensions: IRenderMime.IExtension[] = [
  { id: '@dtlab/jupyterlab:table', rendererFactory: factory(TABLE, table), rank: 0, dataType: 'json' },
  {
    id: '@dtlab/jupyterlab:dag',
    rendererFactory: factory(DAG, (data) => {
      const el = new DtlabDag();
      el.model = data as DagModel;
      return el;
    }),
    rank: 0,
    dataType: 'json',
  },
  {
    id: '@dtlab/jupyterlab:history',
    rendererFactory: factory(HISTORY, (data) => table(historyTable(data as { records: RefreshRecord[] }))),
    rank: 0,
    dataType: 'json',
  },
  {
    id: '@dtlab/jupyterlab:lag',
    rendererFactory: factory(LAG, (data) => {
      const el = new DtlabLag();
      el.points = (data as { points: LagPoint[] }).points;
      return el;
    }),
    rank: 0,
    dataType: 'json',
  },
  {
    id: '@dtlab/jupyterlab:compare',
    rendererFactory: factory(COMPARE, (data) => {
      const el = new DtlabCompare();
      el.data = data as CompareData;
      return el;
    }),
    rank: 0,
    dataType: 'json',
  },
];

export default extensions;

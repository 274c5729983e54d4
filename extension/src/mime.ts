/**
 * MIME renderers for DT Lab's output types: result tables (paged), the DAG (dagre layout, SVG), the
 * refresh history (as a paged table), the lag chart (Observable Plot) and the comparison of two DTs.
 * Renderers build elements from JSON through lit templates: no data is ever run as script. The DAG, the lag
 * chart and `%dt history` outputs follow the engine's events once drawn (live.ts).
 */
import type { IRenderMime } from '@jupyterlab/rendermime-interfaces';
import { Widget } from '@lumino/widgets';
import type { CalcInput } from '../../kernel-lib/dist/advise/calc.js';
import type { HistoryView, LagView } from '../../kernel-lib/dist/display/live.js';
import type { QualityView } from '../../kernel-lib/dist/display/quality.js';
import type { DagModel, LagPoint, RefreshRecord } from '../../kernel-lib/dist/magics/browser.js';
import { DtlabCalc } from './components/calc.js';
import { type CompareData, DtlabCompare } from './components/compare.js';
import { DtlabDag } from './components/dag.js';
import { DtlabHistory } from './components/history.js';
import { DtlabIncidents } from './components/incidents.js';
import { DtlabLag } from './components/lag.js';
import { DtlabQuality } from './components/quality.js';
import { DtlabTable, type TableData } from './components/table.js';

// Literal copies of kernel-lib's MIME constants: importing them would pull the engine into this small chunk.
const TABLE = 'application/vnd.dtlab.table+json';
const DAG = 'application/vnd.dtlab.dag+json';
const HISTORY = 'application/vnd.dtlab.history+json';
const LAG = 'application/vnd.dtlab.lag+json';
const COMPARE = 'application/vnd.dtlab.compare+json';
const CALC = 'application/vnd.dtlab.calc+json';
const INCIDENTS = 'application/vnd.dtlab.incidents+json';
const QUALITY = 'application/vnd.dtlab.quality+json';
/** executor.ts's PAGE_OUTPUT (importing it would pull the executor into this chunk). */
const PAGE_OUTPUT = 'dtlab/page';

class DtlabRenderer extends Widget implements IRenderMime.IRenderer {
  constructor(
    private readonly mimeType: string,
    private readonly make: (data: unknown) => HTMLElement,
  ) {
    super();
    this.addClass('dtlab-output');
  }

  renderModel(model: IRenderMime.IMimeModel): Promise<void> {
    this.stopFollowing();
    const el = this.make(model.data[this.mimeType]);
    // Only outputs of the page's session follow the page engine's events (see live.ts).
    if (model.metadata[PAGE_OUTPUT] === true) el.dataset.dtlabLive = 'page';
    this.node.replaceChildren(el);
    return Promise.resolve();
  }

  override dispose(): void {
    this.stopFollowing();
    super.dispose();
  }

  /** Live outputs (live.ts) follow events until their output goes, not merely until they are detached. */
  private stopFollowing(): void {
    for (const el of Array.from(this.node.children)) (el as { stopFollowing?: () => void }).stopFollowing?.();
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
    rendererFactory: factory(HISTORY, (data) => {
      // `%dt history` outputs name what they show and follow new refreshes; a `%dt refresh` record does not.
      const d = data as {
        records: RefreshRecord[];
        live?: boolean;
        name?: string | null;
        limit?: number | null;
        total?: number;
      };
      const el = new DtlabHistory();
      el.view = {
        records: d.records,
        name: d.name ?? null,
        limit: d.limit ?? null,
        ...(d.total !== undefined ? { total: d.total } : {}),
      } satisfies HistoryView;
      el.live = d.live === true;
      return el;
    }),
    rank: 0,
    dataType: 'json',
  },
  {
    id: '@dtlab/jupyterlab:lag',
    rendererFactory: factory(LAG, (data) => {
      const d = data as { points: LagPoint[]; names?: string[] };
      const el = new DtlabLag();
      el.view = { points: d.points, names: d.names ?? [] } satisfies LagView;
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
  {
    id: '@dtlab/jupyterlab:calc',
    rendererFactory: factory(CALC, (data) => {
      const el = new DtlabCalc();
      el.input = { ...(data as { input: CalcInput }).input };
      return el;
    }),
    rank: 0,
    dataType: 'json',
  },
  {
    id: '@dtlab/jupyterlab:incidents',
    rendererFactory: factory(INCIDENTS, (data) => {
      const el = new DtlabIncidents();
      el.incidents = (data as { incidents: DtlabIncidents['incidents'] }).incidents;
      return el;
    }),
    rank: 0,
    dataType: 'json',
  },
  {
    id: '@dtlab/jupyterlab:quality',
    rendererFactory: factory(QUALITY, (data) => {
      // `%dt quality` follows later evaluations (quality events) of the tables it shows.
      const d = data as QualityView & { live?: boolean };
      const el = new DtlabQuality();
      el.view = { name: d.name ?? null, tables: d.tables ?? [] };
      el.live = d.live === true;
      return el;
    }),
    rank: 0,
    dataType: 'json',
  },
];

export default extensions;

/**
 * <dtlab-calc>: the cost calculator of `%dt calc`. An input for each parameter (target lag, refresh mode,
 * warehouse size, change rate, source and table rows, AUTO_SUSPEND); the estimate (refreshes, credits a day,
 * worst lag …) recomputes in the page on every change with kernel-lib's own `estimate` (advise/calc.ts), the
 * function the magic and the advisor use. Theme through JupyterLab's CSS variables only.
 */
import { css, html, LitElement } from 'lit';
import {
  type CalcInput,
  DEFAULT_AUTO_SUSPEND_SECONDS,
  estimate,
  estimateRows,
} from '../../../kernel-lib/dist/advise/calc.js';

const SIZES = ['XSMALL', 'SMALL', 'MEDIUM', 'LARGE', 'XLARGE', '2XLARGE', '3XLARGE', '4XLARGE'] as const;
/** Lags a learner picks from: each one's period differs (15 s × 2ⁿ ≤ lag / 2). */
const LAGS: [string, number][] = [
  ['1 minute', 60],
  ['2 minutes', 120],
  ['5 minutes', 300],
  ['10 minutes', 600],
  ['30 minutes', 1800],
  ['1 hour', 3600],
  ['6 hours', 21_600],
  ['1 day', 86_400],
];

/** A number input's value within [min, max], or undefined while it is not one. */
function numberIn(text: string, min: number, max: number): number | undefined {
  const n = Number(text);
  return text.trim() !== '' && Number.isFinite(n) && n >= min && n <= max ? n : undefined;
}

export class DtlabCalc extends LitElement {
  static override properties = { input: { attribute: false } };
  declare input: CalcInput | undefined;

  static override styles = css`
    :host { display: block; font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px; color: var(--jp-ui-font-color1, inherit); }
    form { display: grid; grid-template-columns: max-content max-content; gap: 4px 10px; margin-bottom: 8px; }
    label { align-self: center; }
    input, select { font: inherit; color: inherit; background: var(--jp-layout-color1, transparent); border: 1px solid var(--jp-border-color1, currentColor); padding: 1px 4px; width: 12em; }
    input:invalid { border-color: var(--jp-error-color1, currentColor); }
    table { border-collapse: collapse; }
    th, td { padding: 2px 10px; border-bottom: 1px solid var(--jp-border-color2, currentColor); text-align: left; }
    td:last-child { text-align: right; }
    .credits td { font-weight: 600; }
  `;

  private set(patch: Partial<CalcInput>) {
    if (this.input) this.input = { ...this.input, ...patch };
  }

  private num(key: keyof CalcInput, min: number, max: number) {
    return (e: Event) => {
      const v = numberIn((e.target as HTMLInputElement).value, min, max);
      if (v !== undefined) this.set({ [key]: v } as Partial<CalcInput>);
    };
  }

  override render() {
    const i = this.input;
    if (!i) return html``;
    const rows = estimateRows(estimate(i));
    const lags = LAGS.some(([, s]) => s === i.lagSeconds)
      ? LAGS
      : [...LAGS, [`${i.lagSeconds} s`, i.lagSeconds] as [string, number]];
    return html`
      <form @submit=${(e: Event) => e.preventDefault()}>
        <label for="lag">target lag</label>
        <select id="lag" @change=${(e: Event) => this.set({ lagSeconds: Number((e.target as HTMLSelectElement).value) })}>
          ${lags.map(([t, s]) => html`<option value=${s} ?selected=${s === i.lagSeconds}>${t}</option>`)}
        </select>
        <label for="mode">refresh mode</label>
        <select id="mode" @change=${(e: Event) => this.set({ mode: (e.target as HTMLSelectElement).value as CalcInput['mode'] })}>
          ${(['INCREMENTAL', 'FULL'] as const).map((m) => html`<option ?selected=${m === i.mode}>${m}</option>`)}
        </select>
        <label for="size">warehouse size</label>
        <select id="size" @change=${(e: Event) => this.set({ size: (e.target as HTMLSelectElement).value as CalcInput['size'] })}>
          ${SIZES.map((s) => html`<option ?selected=${s === i.size}>${s}</option>`)}
        </select>
        <label for="rate">change rows / minute</label>
        <input id="rate" type="number" min="0" max="1000000000" .value=${String(i.changesPerMinute)} @input=${this.num('changesPerMinute', 0, 1e9)} />
        <label for="rows">source rows</label>
        <input id="rows" type="number" min="0" max="100000000000" .value=${String(i.sourceRows)} @input=${this.num('sourceRows', 0, 1e11)} />
        <label for="out">table rows</label>
        <input id="out" type="number" min="0" max="100000000000" .value=${String(i.outputRows ?? i.sourceRows)} @input=${this.num('outputRows', 0, 1e11)} />
        <label for="suspend">AUTO_SUSPEND (s)</label>
        <input id="suspend" type="number" min="0" max="604800" .value=${String(i.autoSuspendSeconds ?? DEFAULT_AUTO_SUSPEND_SECONDS)} @input=${this.num('autoSuspendSeconds', 0, 604_800)} />
      </form>
      <table>
        <tbody>
          ${rows.map(([k, v]) => html`<tr class=${k === 'credits per day' ? 'credits' : ''}><td>${k}</td><td>${v}</td></tr>`)}
        </tbody>
      </table>
    `;
  }
}

if (!customElements.get('dtlab-calc')) customElements.define('dtlab-calc', DtlabCalc);

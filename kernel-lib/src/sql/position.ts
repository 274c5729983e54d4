import type { SourcePosition } from '../errors.js';

/** 0-based offset in `text` → 1-based line and column. */
export function positionAt(text: string, offset: number): SourcePosition {
  const clamped = Math.max(0, Math.min(offset, text.length));
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < clamped; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset: clamped, line, column: clamped - lineStart + 1 };
}

/** The line holding `position`, and a caret under its column: what a terminal or notebook shows. */
export function caretSnippet(text: string, position: SourcePosition): string {
  const lines = text.split('\n');
  const source = (lines[position.line - 1] ?? '').replace(/\t/g, ' ');
  const gutter = `${position.line} | `;
  return `${gutter}${source}\n${' '.repeat(gutter.length + position.column - 1)}^`;
}

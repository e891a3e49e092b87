// The pages the docs check reads, split into what it checks: fenced blocks, tables, and the
// `<!-- docs-check: … -->` marker before each.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/service-process';

/** README.md and every page under docs/, as paths from the repository root. */
export function docPages(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs];
}

/** `<!-- docs-check: TEXT -->` on the line `line` (1-based) of a page. */
export interface Marker {
  text: string;
  line: number;
}

export interface Block {
  page: string;
  /** The line of the opening fence. */
  line: number;
  lang: string;
  marker: Marker | undefined;
  body: string[];
}

export interface TableRow {
  line: number;
  cells: string[];
}

export interface Table {
  page: string;
  /** The line of the header row. */
  line: number;
  marker: Marker | undefined;
  header: string[];
  rows: TableRow[];
}

export interface Page {
  page: string;
  lines: string[];
  blocks: Block[];
  tables: Table[];
  /** Line numbers (1-based) that a `record` marker sets aside: a dated record, not a statement of today. */
  recordLines: Set<number>;
  /** Markers for a fenced block or a table that stand before something else: they check nothing. */
  strayMarkers: Marker[];
}

const MARKER = /^\s*<!-- docs-check: (.+?) -->\s*$/;
const FENCE = /^(\s*)(`{3,})(.*)$/;

const cellsOf = (line: string) =>
  line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((cell) => cell.trim());

export function readPage(page: string): Page {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
  const blocks: Block[] = [];
  const tables: Table[] = [];
  const recordLines = new Set<number>();
  const strayMarkers: Marker[] = [];
  let marker: Marker | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const markerMatch = MARKER.exec(line);
    if (markerMatch) {
      if (marker) strayMarkers.push(marker);
      marker = { text: markerMatch[1] as string, line: i + 1 };
      // `values of FILE` stands before the paragraph it checks (variables.test.ts).
      if (marker.text.startsWith('values of')) marker = undefined;
      else if (marker.text.startsWith('record')) {
        for (const n of recordSpan(lines, i + 1)) recordLines.add(n);
        marker = undefined;
      }
      continue;
    }
    const open = FENCE.exec(line);
    if (open) {
      const [, indent = '', fence = '', lang = ''] = open;
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && !(lines[j] as string).startsWith(indent + fence))
        body.push((lines[j++] as string).slice(indent.length));
      blocks.push({ page, line: i + 1, lang: lang.trim(), marker, body });
      marker = undefined;
      i = j;
      continue;
    }
    if (line.trim().startsWith('|') && /^\s*\|[\s:|-]+\|\s*$/.test(lines[i + 1] ?? '')) {
      const table: Table = { page, line: i + 1, marker, header: cellsOf(line), rows: [] };
      let j = i + 2;
      for (; j < lines.length && (lines[j] as string).trim().startsWith('|'); j++) {
        table.rows.push({ line: j + 1, cells: cellsOf(lines[j] as string) });
      }
      tables.push(table);
      marker = undefined;
      i = j - 1;
      continue;
    }
    if (line.trim() !== '' && marker) {
      strayMarkers.push(marker);
      marker = undefined;
    }
  }
  if (marker) strayMarkers.push(marker);
  return { page, lines, blocks, tables, recordLines, strayMarkers };
}

/**
 * What a `record` marker on line `from` (0-based index of the next line) sets aside: the section it
 * stands before (a heading: up to the next heading of the same or a higher level), else the next
 * paragraph, list or table (up to a blank line). Returns 1-based line numbers.
 */
function recordSpan(lines: string[], from: number): number[] {
  let start = from;
  while (start < lines.length && (lines[start] as string).trim() === '') start++;
  const heading = /^(#+)\s/.exec(lines[start] ?? '');
  const span: number[] = [];
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] as string;
    if (heading) {
      const next = /^(#+)\s/.exec(line);
      if (i > start && next && (next[1] as string).length <= (heading[1] as string).length) break;
    } else if (line.trim() === '') break;
    span.push(i + 1);
  }
  return span;
}

export const pages: readonly Page[] = docPages().map(readPage);

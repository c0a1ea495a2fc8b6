/**
 * A small table renderer for people: column widths from content (ANSI colour codes do not count),
 * boxes drawn like the linstor client's (UTF-8), or plain ASCII with `--no-utf8`.
 */

const ANSI = /\x1b\[[0-9;]*m/g;
const visible = (s: string) => s.replace(ANSI, '').length;
const pad = (s: string, width: number, right = false) => {
  const fill = ' '.repeat(Math.max(0, width - visible(s)));
  return right ? fill + s : s + fill;
};

export interface Column {
  header: string;
  /** Right-align (numbers, sizes). */
  right?: boolean;
}

export type Cell = string | number | bigint | boolean | undefined | null;

export interface TableStyle {
  utf8: boolean;
}

export class Table {
  private readonly columns: Column[];
  private readonly rows: string[][] = [];

  constructor(columns: Array<Column | string>) {
    this.columns = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  }

  add(cells: Cell[]): this {
    this.rows.push(this.columns.map((_, i) => (cells[i] === undefined || cells[i] === null ? '' : String(cells[i]))));
    return this;
  }

  get size(): number {
    return this.rows.length;
  }

  render(style: TableStyle = { utf8: true }): string {
    const widths = this.columns.map((c, i) => Math.max(visible(c.header), ...this.rows.map((r) => visible(r[i]))));
    const b = style.utf8
      ? { tl: '╭', tr: '╮', bl: '╰', br: '╯', h: '─', v: '┊', sl: '╞', sr: '╡', sh: '═' }
      : { tl: '+', tr: '+', bl: '+', br: '+', h: '-', v: '|', sl: '|', sr: '|', sh: '=' };
    const inner = widths.reduce((a, w) => a + w + 3, -1);
    const line = (cells: string[], header = false) =>
      `${b.v} ${cells.map((c, i) => pad(c, widths[i], !header && this.columns[i].right)).join(` ${b.v} `)} ${b.v}`;
    const out = [
      b.tl + b.h.repeat(inner) + b.tr,
      line(this.columns.map((c) => c.header), true),
      b.sl + b.sh.repeat(inner) + b.sr,
      ...this.rows.map((r) => line(r)),
      b.bl + b.h.repeat(inner) + b.br,
    ];
    return out.join('\n') + '\n';
  }
}

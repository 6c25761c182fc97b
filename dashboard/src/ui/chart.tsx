import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './chart.css';

/**
 * A small bar chart (uPlot) that fits its card and follows the theme, with what it shows said in
 * words and, for screen readers and anyone who prefers numbers, as a table (WCAG 1.1.1: the canvas
 * itself is hidden from assistive technology, the sentence and the table carry the meaning).
 */
export interface BarChartProps {
  /** One label per bar, in order ("07:00", "Tue 3 Mar"). */
  labels: readonly string[];
  values: ReadonlyArray<number | null>;
  /** Shorter labels for the axis, where the table's would crowd it ("3 Mar" for "Tue 3 Mar"). */
  axisLabels?: readonly string[];
  /** The sentence that says what the chart shows. */
  summary: ComponentChildren;
  /** Column headings of the table alternative. */
  columns: [string, string];
  /** How a value reads in the table and on the axis (default: the number). */
  format?: (value: number) => string;
  /** How a missing value reads in the table. */
  missing?: string;
  height?: number;
  /** Used to name the figure's parts (ids must be unique on the page). */
  id: string;
}

const FONT = '13px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

export function BarChart(props: BarChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const theme = useThemeChanges();
  const format = props.format ?? ((value: number) => String(value));
  const height = props.height ?? 180;
  const key = `${props.labels.join('|')}#${(props.axisLabels ?? []).join('|')}#${props.values.join(',')}`;

  useEffect(() => {
    const element = box.current;
    if (element === null) return undefined;
    const css = getComputedStyle(document.documentElement);
    const color = (name: string) => css.getPropertyValue(name).trim();
    const labels = props.labels;
    const ticks = props.axisLabels ?? labels;
    const widest = Math.max(...ticks.map((t) => t.length));
    const top = Math.max(1, ...props.values.map((v) => v ?? 0));
    const plot = new uPlot(
      {
        width: Math.max(200, element.clientWidth),
        height,
        legend: { show: false },
        cursor: { show: false },
        scales: {
          x: { time: false, range: [-0.5, labels.length - 0.5] },
          y: { range: [0, top * 1.1] },
        },
        axes: [
          {
            stroke: color('--muted'),
            font: FONT,
            grid: { show: false },
            ticks: { stroke: color('--line') },
            space: Math.max(44, widest * 8 + 12),
            incrs: [1, 2, 3, 4, 6, 7, 12, 14, 24, 28],
            values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? (ticks[i] ?? '') : '')),
          },
          {
            stroke: color('--muted'),
            font: FONT,
            size: 48,
            grid: { stroke: color('--line'), width: 1 },
            ticks: { show: false },
            values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? format(v) : '')),
          },
        ],
        series: [
          {},
          {
            fill: color('--accent'),
            stroke: color('--accent'),
            width: 0,
            points: { show: false },
            paths: uPlot.paths.bars?.({ size: [0.7, 48], align: 0 }),
          },
        ],
      },
      [labels.map((_, i) => i), props.values.map((v) => v ?? null)],
      element,
    );
    const fit = new ResizeObserver(() => plot.setSize({ width: Math.max(200, element.clientWidth), height }));
    fit.observe(element);
    return () => {
      fit.disconnect();
      plot.destroy();
    };
  }, [key, theme, height]);

  return (
    <figure class="chart" aria-labelledby={`${props.id}-summary`}>
      <div class="chart-canvas" ref={box} aria-hidden="true" />
      <figcaption id={`${props.id}-summary`}>{props.summary}</figcaption>
      <details class="chart-table">
        <summary>Show as a table</summary>
        <div class="table-scroll" tabIndex={0} role="region" aria-label={props.columns.join(' and ')}>
          <table>
            <thead>
              <tr>
                <th scope="col">{props.columns[0]}</th>
                <th scope="col">{props.columns[1]}</th>
              </tr>
            </thead>
            <tbody>
              {props.labels.map((label, i) => {
                const value = props.values[i];
                return (
                  <tr key={label}>
                    <th scope="row">{label}</th>
                    <td>{value === null || value === undefined ? (props.missing ?? '—') : format(value)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}

/** A number that changes when the theme does (app/theme.ts keeps it on html[data-theme]), so charts repaint. */
function useThemeChanges(): number {
  const [changes, setChanges] = useState(0);
  useEffect(() => {
    const watcher = new MutationObserver(() => setChanges((n) => n + 1));
    watcher.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
    return () => watcher.disconnect();
  }, []);
  return changes;
}

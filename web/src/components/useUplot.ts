import { useEffect, type DependencyList, type RefObject } from 'react';
import uPlot from 'uplot';

/** Narrowest a chart is drawn, however narrow its box. */
const MIN_WIDTH = 280;

/**
 * A uPlot chart in `boxRef`, kept in `plotRef`, while `ready`: as wide as the box (following it as
 * it resizes), `height` tall, with `series` empty data series until the caller's `setData`.
 * `options` is read when the chart is built, on mount and whenever `deps` change; the chart is
 * destroyed with the component.
 */
export function useUplot(
  boxRef: RefObject<HTMLDivElement | null>,
  plotRef: RefObject<uPlot | null>,
  ready: boolean,
  height: number,
  series: number,
  options: () => Omit<uPlot.Options, 'width' | 'height'>,
  deps: DependencyList,
) {
  useEffect(() => {
    const el = boxRef.current;
    if (!el || !ready) return;
    const width = () => Math.max(MIN_WIDTH, el.clientWidth);
    const empty = Array.from({ length: series }, () => []) as unknown as uPlot.AlignedData;
    const u = new uPlot({ ...options(), width: width(), height }, empty, el);
    plotRef.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: width(), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plotRef.current = null;
    };
    // `options` is a fresh closure on every render: `deps` say when what it reads changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [boxRef, plotRef, ready, height, series, ...deps]);
}

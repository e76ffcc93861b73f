// Renders only the rows in view (fixed height), so 10,000 incidents cost as much as the forty on screen.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

interface Props<T> {
  items: readonly T[];
  rowHeight: number;
  keyOf: (item: T) => string;
  render: (item: T) => ComponentChildren;
  overscan?: number;
  label?: string;
}

export function VirtualList<T>({ items, rowHeight, keyOf, render, overscan = 10, label }: Props<T>) {
  const ref = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(() => window.innerHeight);
  const frame = useRef(0);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setHeight(el.clientHeight));
    observer.observe(el);
    setHeight(el.clientHeight);
    return () => {
      observer.disconnect();
      cancelAnimationFrame(frame.current);
    };
  }, []);

  const onScroll = () => {
    cancelAnimationFrame(frame.current);
    frame.current = requestAnimationFrame(() => setScrollTop(ref.current?.scrollTop ?? 0));
  };

  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((scrollTop + height) / rowHeight) + overscan);
  const rows = [];
  for (let i = first; i < last; i++) {
    const item = items[i]!;
    rows.push(
      <div class="vrow" key={keyOf(item)} role="row" aria-rowindex={i + 1} style={{ top: `${i * rowHeight}px`, height: `${rowHeight}px` }}>
        {render(item)}
      </div>,
    );
  }
  return (
    <div class="vlist" ref={ref} onScroll={onScroll} role="table" aria-label={label} aria-rowcount={items.length}>
      <div class="vlist-inner" style={{ height: `${items.length * rowHeight}px` }}>{rows}</div>
    </div>
  );
}

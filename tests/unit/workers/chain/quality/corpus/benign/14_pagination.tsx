import React from "react";
import { ChevronLeft, ChevronRight } from "lucide-react";

export interface PaginationProps {
  page: number;
  pageCount: number;
  onPageChange: (page: number) => void;
  siblings?: number;
}

export function Pagination({ page, pageCount, onPageChange, siblings = 1 }: PaginationProps) {
  const first = Math.max(1, page - siblings);
  const last = Math.min(pageCount, page + siblings);
  const pages = Array.from({ length: last - first + 1 }, (_, i) => first + i);

  const go = (target: number) => {
    const clamped = Math.min(pageCount, Math.max(1, target));
    if (clamped !== page) onPageChange(clamped);
  };

  return (
    <nav aria-label="Pagination" className="pagination">
      <button type="button" onClick={() => go(page - 1)} disabled={page <= 1} aria-label="Previous page">
        <ChevronLeft aria-hidden="true" size={16} />
      </button>
      {first > 1 && <span aria-hidden="true">…</span>}
      {pages.map((n) => (
        <button
          key={n}
          type="button"
          aria-current={n === page ? "page" : undefined}
          onClick={() => go(n)}
        >
          {n}
        </button>
      ))}
      {last < pageCount && <span aria-hidden="true">…</span>}
      <button
        type="button"
        onClick={() => go(page + 1)}
        disabled={page >= pageCount}
        aria-label="Next page"
      >
        <ChevronRight aria-hidden="true" size={16} />
      </button>
    </nav>
  );
}

export default Pagination;

import React, { useMemo, useState } from "react";
import { ArrowDown, ArrowUp } from "lucide-react";

export interface Column<T> {
  key: keyof T & string;
  header: string;
  align?: "left" | "right";
  render?: (row: T) => React.ReactNode;
}

export interface DataTableProps<T> {
  rows: T[];
  columns: Column<T>[];
  getRowId: (row: T) => string;
  caption?: string;
}

type Direction = "ascending" | "descending";

function compare(a: unknown, b: unknown): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a ?? "").localeCompare(String(b ?? ""));
}

export function DataTable<T>({ rows, columns, getRowId, caption }: DataTableProps<T>) {
  const [sortKey, setSortKey] = useState<(keyof T & string) | null>(null);
  const [direction, setDirection] = useState<Direction>("ascending");

  const sorted = useMemo(() => {
    if (!sortKey) return rows;
    const copy = [...rows];
    copy.sort((left, right) => {
      const result = compare(left[sortKey], right[sortKey]);
      return direction === "ascending" ? result : -result;
    });
    return copy;
  }, [rows, sortKey, direction]);

  const toggleSort = (key: keyof T & string) => {
    if (key === sortKey) {
      setDirection((d) => (d === "ascending" ? "descending" : "ascending"));
    } else {
      setSortKey(key);
      setDirection("ascending");
    }
  };

  return (
    <table className="data-table">
      {caption && <caption>{caption}</caption>}
      <thead>
        <tr>
          {columns.map((column) => (
            <th
              key={column.key}
              scope="col"
              aria-sort={column.key === sortKey ? direction : "none"}
              style={{ textAlign: column.align ?? "left" }}
            >
              <button type="button" onClick={() => toggleSort(column.key)}>
                {column.header}
                {column.key === sortKey &&
                  (direction === "ascending" ? (
                    <ArrowUp size={12} aria-hidden="true" />
                  ) : (
                    <ArrowDown size={12} aria-hidden="true" />
                  ))}
              </button>
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {sorted.map((row) => (
          <tr key={getRowId(row)}>
            {columns.map((column) => (
              <td key={column.key} style={{ textAlign: column.align ?? "left" }}>
                {column.render ? column.render(row) : String(row[column.key] ?? "")}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export default DataTable;

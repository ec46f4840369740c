import React from "react";

export interface SpecSheetProps {
  title: string;
  specs: Record<string, string | number | boolean | null>;
  emptyLabel?: string;
}

function humanize(key: string): string {
  return key
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/[_-]+/g, " ")
    .replace(/^\w/, (c) => c.toUpperCase());
}

function display(value: string | number | boolean | null, emptyLabel: string): string {
  if (value === null || value === "") return emptyLabel;
  if (typeof value === "boolean") return value ? "Yes" : "No";
  return String(value);
}

export function SpecSheet({ title, specs, emptyLabel = "—" }: SpecSheetProps) {
  const entries = Object.entries(specs);
  return (
    <section className="spec-sheet">
      <h3>{title}</h3>
      {entries.length === 0 ? (
        <p>No specifications.</p>
      ) : (
        <dl>
          {entries.map(([key, value]) => (
            <div key={key} className="spec-sheet__row">
              <dt>{humanize(key)}</dt>
              <dd>{display(value, emptyLabel)}</dd>
            </div>
          ))}
        </dl>
      )}
    </section>
  );
}

export default SpecSheet;

import React from "react";

export interface CalloutProps {
  title: string;
  children?: React.ReactNode;
  accent?: string;
}

const css = `
.cf-callout { border-inline-start: 4px solid var(--cf-callout-accent); padding: 12px 16px; border-radius: 6px; }
.cf-callout__title { margin: 0 0 4px; font-weight: 600; }
.cf-callout:focus-within { outline: 2px solid Highlight; outline-offset: 2px; }
`;

export function Callout({ title, children, accent = "#0ea5e9" }: CalloutProps) {
  return (
    <>
      <style>{css}</style>
      <aside className="cf-callout" style={{ "--cf-callout-accent": accent } as React.CSSProperties}>
        <p className="cf-callout__title">{title}</p>
        {children}
      </aside>
    </>
  );
}

export default Callout;

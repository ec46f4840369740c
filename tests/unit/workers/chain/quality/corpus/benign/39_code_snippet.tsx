import React, { useMemo, useState } from "react";
import { ChevronDown, ChevronUp } from "lucide-react";

export interface CodeSnippetProps {
  code: string;
  language?: string;
  maxCollapsedLines?: number;
  showLineNumbers?: boolean;
}

export function CodeSnippet({
  code,
  language = "tsx",
  maxCollapsedLines = 8,
  showLineNumbers = true,
}: CodeSnippetProps) {
  const lines = useMemo(() => code.replace(/\s+$/, "").split("\n"), [code]);
  const [expanded, setExpanded] = useState(false);
  const collapsible = lines.length > maxCollapsedLines;
  const visible = expanded || !collapsible ? lines : lines.slice(0, maxCollapsedLines);
  const gutter = String(lines.length).length;

  return (
    <figure className="code-snippet">
      <figcaption className="code-snippet__language">{language}</figcaption>
      <pre aria-label={`${language} code`}>
        <code>
          {visible.map((line, i) => (
            <span key={i} className="code-snippet__line">
              {showLineNumbers && (
                <span className="code-snippet__number" aria-hidden="true">
                  {String(i + 1).padStart(gutter, " ")}{" "}
                </span>
              )}
              {line}
              {"\n"}
            </span>
          ))}
        </code>
      </pre>
      {collapsible && (
        <button type="button" aria-expanded={expanded} onClick={() => setExpanded((e) => !e)}>
          {expanded ? <ChevronUp size={14} aria-hidden="true" /> : <ChevronDown size={14} aria-hidden="true" />}
          {expanded ? "Show less" : `Show all ${lines.length} lines`}
        </button>
      )}
    </figure>
  );
}

export default CodeSnippet;

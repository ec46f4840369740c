import React, { useLayoutEffect, useRef, useState } from "react";

export interface TruncatedTextProps {
  text: string;
  lines?: number;
}

export function TruncatedText({ text, lines = 3 }: TruncatedTextProps) {
  const ref = useRef<HTMLParagraphElement>(null);
  const [overflowing, setOverflowing] = useState(false);
  const [expanded, setExpanded] = useState(false);

  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setOverflowing(el.scrollHeight > el.clientHeight + 1);
  }, [text, lines]);

  return (
    <div className="truncated">
      <p
        ref={ref}
        style={
          expanded
            ? undefined
            : { display: "-webkit-box", WebkitLineClamp: lines, WebkitBoxOrient: "vertical", overflow: "hidden" }
        }
      >
        {text}
      </p>
      {(overflowing || expanded) && (
        <button type="button" onClick={() => setExpanded((e) => !e)} aria-expanded={expanded}>
          {expanded ? "Show less" : "Show more"}
        </button>
      )}
    </div>
  );
}

export default TruncatedText;

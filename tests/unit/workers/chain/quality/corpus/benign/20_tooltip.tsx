import React, { useId, useState } from "react";

export interface TooltipProps {
  content: string;
  children: React.ReactNode;
  side?: "top" | "bottom";
}

export function Tooltip({ content, children, side = "top" }: TooltipProps) {
  const [visible, setVisible] = useState(false);
  const id = useId();
  const show = () => setVisible(true);
  const hide = () => setVisible(false);

  return (
    <span
      className="tooltip-anchor"
      style={{ position: "relative", display: "inline-flex" }}
      onMouseEnter={show}
      onMouseLeave={hide}
      onFocus={show}
      onBlur={hide}
      onKeyDown={(event) => {
        if (event.key === "Escape") hide();
      }}
      aria-describedby={visible ? id : undefined}
    >
      {children}
      {visible && (
        <span
          id={id}
          role="tooltip"
          className={`tooltip tooltip--${side}`}
          style={{
            position: "absolute",
            left: "50%",
            transform: "translateX(-50%)",
            [side === "top" ? "bottom" : "top"]: "calc(100% + 6px)",
            whiteSpace: "nowrap",
          }}
        >
          {content}
        </span>
      )}
    </span>
  );
}

export default Tooltip;

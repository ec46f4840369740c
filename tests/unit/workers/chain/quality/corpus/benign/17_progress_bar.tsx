import React from "react";

export interface ProgressBarProps {
  value: number;
  max?: number;
  label: string;
  showValue?: boolean;
}

export function ProgressBar({ value, max = 100, label, showValue = true }: ProgressBarProps) {
  const clamped = Math.min(max, Math.max(0, value));
  const percent = max > 0 ? Math.round((clamped / max) * 100) : 0;
  const id = React.useId();

  return (
    <div className="progress">
      <div className="progress__header">
        <span id={id}>{label}</span>
        {showValue && <span>{percent}%</span>}
      </div>
      <div
        role="progressbar"
        aria-labelledby={id}
        aria-valuemin={0}
        aria-valuemax={max}
        aria-valuenow={clamped}
        className="progress__track"
        style={{ background: "var(--cf-color-muted, #e5e7eb)", borderRadius: 9999 }}
      >
        <div
          className="progress__fill"
          style={{
            width: `${percent}%`,
            height: "100%",
            background: "var(--cf-color-primary, #2563eb)",
            transition: "width 200ms ease-out",
          }}
        />
      </div>
    </div>
  );
}

export default ProgressBar;

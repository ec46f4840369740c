import React, { useId, useState } from "react";

export interface SwitchProps {
  label: string;
  description?: string;
  checked?: boolean;
  defaultChecked?: boolean;
  onCheckedChange?: (checked: boolean) => void;
  disabled?: boolean;
}

export function Switch({
  label,
  description,
  checked,
  defaultChecked = false,
  onCheckedChange,
  disabled,
}: SwitchProps) {
  const [uncontrolled, setUncontrolled] = useState(defaultChecked);
  const on = checked ?? uncontrolled;
  const labelId = useId();
  const descriptionId = useId();

  return (
    <div className="switch-row">
      <button
        type="button"
        role="switch"
        aria-checked={on}
        aria-labelledby={labelId}
        aria-describedby={description ? descriptionId : undefined}
        disabled={disabled}
        data-state={on ? "checked" : "unchecked"}
        onClick={() => {
          const next = !on;
          if (checked === undefined) setUncontrolled(next);
          onCheckedChange?.(next);
        }}
        className="switch"
      >
        <span className="switch__thumb" style={{ transform: on ? "translateX(16px)" : "none" }} />
      </button>
      <div>
        <span id={labelId}>{label}</span>
        {description && (
          <p id={descriptionId} className="switch-row__description">
            {description}
          </p>
        )}
      </div>
    </div>
  );
}

export default Switch;

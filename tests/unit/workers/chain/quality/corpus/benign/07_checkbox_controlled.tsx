import React, { useState } from "react";
import { Check, Minus } from "lucide-react";

export interface CheckboxProps {
  label: string;
  checked?: boolean | "mixed";
  defaultChecked?: boolean;
  disabled?: boolean;
  onCheckedChange?: (checked: boolean) => void;
}

export function Checkbox({
  label,
  checked,
  defaultChecked = false,
  disabled = false,
  onCheckedChange,
}: CheckboxProps) {
  const [internal, setInternal] = useState(defaultChecked);
  const isControlled = checked !== undefined;
  const value = isControlled ? checked : internal;

  const toggle = () => {
    if (disabled) return;
    const next = value !== true;
    if (!isControlled) setInternal(next);
    onCheckedChange?.(next);
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLSpanElement>) => {
    if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      toggle();
    }
  };

  return (
    <label className="checkbox" data-disabled={disabled || undefined}>
      <span
        role="checkbox"
        tabIndex={disabled ? -1 : 0}
        aria-checked={value}
        aria-disabled={disabled || undefined}
        onClick={toggle}
        onKeyDown={onKeyDown}
        className="checkbox__box"
      >
        {value === "mixed" ? (
          <Minus size={14} aria-hidden="true" />
        ) : value ? (
          <Check size={14} aria-hidden="true" />
        ) : null}
      </span>
      <span className="checkbox__label">{label}</span>
    </label>
  );
}

export default Checkbox;

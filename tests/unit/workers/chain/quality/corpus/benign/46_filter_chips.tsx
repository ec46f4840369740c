import React, { useState } from "react";
import { Check } from "lucide-react";

export interface FilterChipsProps {
  label: string;
  options: string[];
  defaultSelected?: string[];
  onChange?: (selected: string[]) => void;
}

export function FilterChips({ label, options, defaultSelected = [], onChange }: FilterChipsProps) {
  const [selected, setSelected] = useState(() => new Set(defaultSelected));

  const toggle = (option: string) => {
    const next = new Set(selected);
    if (next.has(option)) next.delete(option);
    else next.add(option);
    setSelected(next);
    onChange?.(options.filter((o) => next.has(o)));
  };

  return (
    <div role="group" aria-label={label} className="chips">
      {options.map((option) => {
        const pressed = selected.has(option);
        return (
          <button
            key={option}
            type="button"
            aria-pressed={pressed}
            className={pressed ? "chip chip--on" : "chip"}
            onClick={() => toggle(option)}
          >
            {pressed && <Check size={12} aria-hidden="true" />}
            {option}
          </button>
        );
      })}
      {selected.size > 0 && (
        <button
          type="button"
          className="chips__clear"
          onClick={() => {
            setSelected(new Set());
            onChange?.([]);
          }}
        >
          Clear ({selected.size})
        </button>
      )}
    </div>
  );
}

export default FilterChips;

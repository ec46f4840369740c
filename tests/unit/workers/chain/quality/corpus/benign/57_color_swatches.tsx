import React from "react";
import { Check } from "lucide-react";

export interface Swatch {
  name: string;
  hex: string;
  meta?: Record<string, string>;
}

export interface SwatchPickerProps {
  swatches: Swatch[];
  value?: string;
  onChange: (hex: string) => void;
}

function readableOn(hex: string): string {
  const value = hex.replace("#", "");
  const full = value.length === 3 ? value.split("").map((c) => c + c).join("") : value;
  const r = parseInt(full.slice(0, 2), 16);
  const g = parseInt(full.slice(2, 4), 16);
  const b = parseInt(full.slice(4, 6), 16);
  const luminance = (0.299 * r + 0.587 * g + 0.114 * b) / 255;
  return luminance > 0.6 ? "#111827" : "#ffffff";
}

export function SwatchPicker({ swatches, value, onChange }: SwatchPickerProps) {
  return (
    <div role="radiogroup" aria-label="Color" className="swatches">
      {swatches.map((swatch) => {
        const selected = swatch.hex.toLowerCase() === value?.toLowerCase();
        return (
          <button
            key={JSON.stringify([swatch.name, swatch.hex])}
            type="button"
            role="radio"
            aria-checked={selected}
            aria-label={swatch.name}
            title={`${swatch.name} (${swatch.hex})`}
            onClick={() => onChange(swatch.hex)}
            className="swatch"
            style={{
              backgroundColor: swatch.hex,
              color: readableOn(swatch.hex),
              outline: selected ? "2px solid var(--cf-focus, #2563eb)" : "none",
              outlineOffset: 2,
            }}
          >
            {selected && <Check size={14} aria-hidden="true" />}
          </button>
        );
      })}
    </div>
  );
}

export default SwatchPicker;

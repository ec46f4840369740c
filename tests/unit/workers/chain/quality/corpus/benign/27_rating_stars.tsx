import React, { useState } from "react";
import { Star } from "lucide-react";

export interface RatingProps {
  value: number;
  onChange?: (value: number) => void;
  max?: number;
  label?: string;
  readOnly?: boolean;
}

export function Rating({ value, onChange, max = 5, label = "Rating", readOnly = false }: RatingProps) {
  const [hovered, setHovered] = useState<number | null>(null);
  const shown = hovered ?? value;

  const onKeyDown = (event: React.KeyboardEvent<HTMLDivElement>) => {
    if (readOnly) return;
    if (event.key === "ArrowRight" || event.key === "ArrowUp") {
      event.preventDefault();
      onChange?.(Math.min(max, value + 1));
    } else if (event.key === "ArrowLeft" || event.key === "ArrowDown") {
      event.preventDefault();
      onChange?.(Math.max(1, value - 1));
    }
  };

  return (
    <div
      role="slider"
      aria-label={label}
      aria-valuemin={1}
      aria-valuemax={max}
      aria-valuenow={value}
      aria-valuetext={`${value} of ${max} stars`}
      aria-readonly={readOnly || undefined}
      tabIndex={readOnly ? -1 : 0}
      onKeyDown={onKeyDown}
      onMouseLeave={() => setHovered(null)}
      className="rating"
    >
      {Array.from({ length: max }, (_, i) => i + 1).map((n) => (
        <Star
          key={n}
          size={20}
          aria-hidden="true"
          fill={n <= shown ? "currentColor" : "none"}
          onMouseEnter={() => !readOnly && setHovered(n)}
          onClick={() => !readOnly && onChange?.(n)}
        />
      ))}
    </div>
  );
}

export default Rating;

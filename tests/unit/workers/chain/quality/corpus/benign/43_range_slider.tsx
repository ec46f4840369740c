import React, { useId, useState } from "react";

export interface VolumeSliderProps {
  label?: string;
  defaultValue?: number;
  min?: number;
  max?: number;
  step?: number;
  onCommit?: (value: number) => void;
}

export function VolumeSlider({
  label = "Volume",
  defaultValue = 50,
  min = 0,
  max = 100,
  step = 5,
  onCommit,
}: VolumeSliderProps) {
  const [value, setValue] = useState(defaultValue);
  const id = useId();
  const fill = ((value - min) / (max - min)) * 100;

  return (
    <div className="slider">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="range"
        min={min}
        max={max}
        step={step}
        value={value}
        aria-valuetext={`${value}%`}
        onChange={(event) => setValue(Number(event.target.value))}
        onPointerUp={() => onCommit?.(value)}
        onKeyUp={() => onCommit?.(value)}
        style={{ "--fill": `${fill}%` } as React.CSSProperties}
      />
      <output htmlFor={id}>{value}</output>
    </div>
  );
}

export default VolumeSlider;

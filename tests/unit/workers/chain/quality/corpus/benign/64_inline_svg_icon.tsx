import React, { useId } from "react";

export interface SpinnerProps {
  size?: number;
  label?: string;
  color?: string;
}

export function Spinner({ size = 24, label = "Loading", color = "currentColor" }: SpinnerProps) {
  const titleId = useId();
  const gradientId = useId();
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 24 24"
      role="img"
      aria-labelledby={titleId}
      fill="none"
      xmlns="http://www.w3.org/2000/svg"
    >
      <title id={titleId}>{label}</title>
      <defs>
        <linearGradient id={gradientId} x1="0" y1="0" x2="1" y2="1">
          <stop offset="0%" stopColor={color} stopOpacity={1} />
          <stop offset="100%" stopColor={color} stopOpacity={0.1} />
        </linearGradient>
      </defs>
      <circle cx="12" cy="12" r="10" stroke={color} strokeOpacity={0.2} strokeWidth={3} />
      <path d="M22 12a10 10 0 0 0-10-10" stroke={`url(#${gradientId})`} strokeWidth={3} strokeLinecap="round" />
    </svg>
  );
}

export default Spinner;

import React from "react";
import clsx from "clsx";

type Tone = "neutral" | "info" | "success" | "warning" | "danger";

export interface BadgeProps extends React.HTMLAttributes<HTMLSpanElement> {
  tone?: Tone;
  outline?: boolean;
  count?: number;
}

const toneClasses: Record<Tone, string> = {
  neutral: "bg-slate-100 text-slate-800",
  info: "bg-sky-100 text-sky-800",
  success: "bg-emerald-100 text-emerald-800",
  warning: "bg-amber-100 text-amber-900",
  danger: "bg-rose-100 text-rose-800",
};

export function Badge({
  tone = "neutral",
  outline = false,
  count,
  className,
  children,
  ...rest
}: BadgeProps) {
  const showCount = typeof count === "number" && count > 0;
  return (
    <span
      className={clsx(
        "inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium",
        toneClasses[tone],
        { "border border-current bg-transparent": outline },
        className,
      )}
      {...rest}
    >
      {children}
      {showCount && (
        <span className="rounded-full bg-white/60 px-1" aria-label={`${count} new`}>
          {count > 99 ? "99+" : count}
        </span>
      )}
    </span>
  );
}

export default Badge;

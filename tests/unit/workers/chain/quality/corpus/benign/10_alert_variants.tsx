import * as React from "react";
import { cva, type VariantProps } from "class-variance-authority";
import { AlertTriangle, CheckCircle2, Info, XCircle, type LucideIcon } from "lucide-react";
import { clsx } from "clsx";

const alertVariants = cva("relative flex gap-3 rounded-lg border p-4 text-sm", {
  variants: {
    intent: {
      info: "border-sky-200 bg-sky-50 text-sky-900",
      success: "border-emerald-200 bg-emerald-50 text-emerald-900",
      warning: "border-amber-200 bg-amber-50 text-amber-900",
      error: "border-rose-200 bg-rose-50 text-rose-900",
    },
  },
  defaultVariants: { intent: "info" },
});

type Intent = NonNullable<VariantProps<typeof alertVariants>["intent"]>;

const icons: Record<Intent, LucideIcon> = {
  info: Info,
  success: CheckCircle2,
  warning: AlertTriangle,
  error: XCircle,
};

export interface AlertProps
  extends React.HTMLAttributes<HTMLDivElement>,
    VariantProps<typeof alertVariants> {
  title: string;
}

export function Alert({ intent, title, className, children, ...props }: AlertProps) {
  const resolved: Intent = intent ?? "info";
  const Icon = icons[resolved];
  const urgent = resolved === "error" || resolved === "warning";
  return (
    <div
      role={urgent ? "alert" : "status"}
      className={clsx(alertVariants({ intent: resolved }), className)}
      {...props}
    >
      <Icon className="h-4 w-4 shrink-0" aria-hidden="true" />
      <div>
        <p className="font-semibold">{title}</p>
        {children ? <div className="mt-1">{children}</div> : null}
      </div>
    </div>
  );
}

export default Alert;

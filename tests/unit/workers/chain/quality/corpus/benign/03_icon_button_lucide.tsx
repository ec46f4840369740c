import * as React from "react";
import { Loader2, X } from "lucide-react";
import { clsx } from "clsx";

export interface IconButtonProps
  extends Omit<React.ButtonHTMLAttributes<HTMLButtonElement>, "children"> {
  label: string;
  icon?: React.ReactNode;
  loading?: boolean;
}

export const IconButton = React.forwardRef<HTMLButtonElement, IconButtonProps>(
  function IconButton({ label, icon, loading = false, disabled, className, ...rest }, ref) {
    return (
      <button
        ref={ref}
        type="button"
        aria-label={label}
        title={label}
        aria-busy={loading || undefined}
        disabled={disabled || loading}
        className={clsx(
          "inline-flex h-8 w-8 items-center justify-center rounded-full",
          disabled && "opacity-50",
          className,
        )}
        {...rest}
      >
        {loading ? (
          <Loader2 className="h-4 w-4 animate-spin" aria-hidden="true" />
        ) : (
          (icon ?? <X className="h-4 w-4" aria-hidden="true" />)
        )}
      </button>
    );
  },
);

export default IconButton;

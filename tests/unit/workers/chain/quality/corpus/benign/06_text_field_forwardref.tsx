import * as React from "react";
import { clsx } from "clsx";

export interface TextFieldProps extends React.InputHTMLAttributes<HTMLInputElement> {
  label: string;
  hint?: string;
  error?: string;
}

export const TextField = React.forwardRef<HTMLInputElement, TextFieldProps>(
  ({ label, hint, error, id, className, required, ...inputProps }, ref) => {
    const generatedId = React.useId();
    const inputId = id ?? generatedId;
    const hintId = hint ? `${inputId}-hint` : undefined;
    const errorId = error ? `${inputId}-error` : undefined;
    const describedBy = [hintId, errorId].filter(Boolean).join(" ") || undefined;

    return (
      <div className={clsx("field", error && "field--invalid", className)}>
        <label htmlFor={inputId} className="field__label">
          {label}
          {required ? <span aria-hidden="true"> *</span> : null}
        </label>
        <input
          ref={ref}
          id={inputId}
          required={required}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          className="field__input"
          {...inputProps}
        />
        {hint && (
          <p id={hintId} className="field__hint">
            {hint}
          </p>
        )}
        {error && (
          <p id={errorId} role="alert" className="field__error">
            {error}
          </p>
        )}
      </div>
    );
  },
);
TextField.displayName = "TextField";

export default TextField;

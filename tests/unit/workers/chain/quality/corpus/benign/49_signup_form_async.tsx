import React, { useState } from "react";
import { Loader2 } from "lucide-react";

export interface SignupValues {
  email: string;
  password: string;
}

export interface SignupFormProps {
  onSubmit: (values: SignupValues) => Promise<void>;
  minPasswordLength?: number;
}

type Status = { state: "idle" } | { state: "submitting" } | { state: "done" } | { state: "failed"; message: string };

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function SignupForm({ onSubmit, minPasswordLength = 8 }: SignupFormProps) {
  const [values, setValues] = useState<SignupValues>({ email: "", password: "" });
  const [touched, setTouched] = useState<Partial<Record<keyof SignupValues, boolean>>>({});
  const [status, setStatus] = useState<Status>({ state: "idle" });

  const errors: Partial<Record<keyof SignupValues, string>> = {};
  if (!EMAIL.test(values.email)) errors.email = "Enter a valid email address.";
  if (values.password.length < minPasswordLength) {
    errors.password = `Use at least ${minPasswordLength} characters.`;
  }

  const change = (field: keyof SignupValues) => (event: React.ChangeEvent<HTMLInputElement>) =>
    setValues((v) => ({ ...v, [field]: event.target.value }));

  const handleSubmit = async (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setTouched({ email: true, password: true });
    if (Object.keys(errors).length > 0) return;
    setStatus({ state: "submitting" });
    try {
      await onSubmit(values);
      setStatus({ state: "done" });
    } catch (error) {
      setStatus({ state: "failed", message: error instanceof Error ? error.message : "Something went wrong." });
    }
  };

  const busy = status.state === "submitting";

  return (
    <form noValidate onSubmit={handleSubmit} className="signup" aria-busy={busy}>
      <label htmlFor="signup-email">Email</label>
      <input
        id="signup-email"
        type="email"
        autoComplete="email"
        value={values.email}
        onChange={change("email")}
        onBlur={() => setTouched((t) => ({ ...t, email: true }))}
        aria-invalid={touched.email && errors.email ? true : undefined}
        aria-describedby={touched.email && errors.email ? "signup-email-error" : undefined}
      />
      {touched.email && errors.email && <p id="signup-email-error">{errors.email}</p>}

      <label htmlFor="signup-password">Password</label>
      <input
        id="signup-password"
        type="password"
        autoComplete="new-password"
        value={values.password}
        onChange={change("password")}
        onBlur={() => setTouched((t) => ({ ...t, password: true }))}
        aria-invalid={touched.password && errors.password ? true : undefined}
        aria-describedby={touched.password && errors.password ? "signup-password-error" : undefined}
      />
      {touched.password && errors.password && <p id="signup-password-error">{errors.password}</p>}

      <button type="submit" disabled={busy}>
        {busy && <Loader2 size={14} className="animate-spin" aria-hidden="true" />}
        Create account
      </button>
      <p role="status" aria-live="polite">
        {status.state === "done" && "Check your inbox to confirm your address."}
        {status.state === "failed" && status.message}
      </p>
    </form>
  );
}

export default SignupForm;

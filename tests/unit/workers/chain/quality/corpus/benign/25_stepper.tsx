import React from "react";
import { Check } from "lucide-react";
import clsx from "clsx";

export type Step =
  | { id: string; title: string; status: "complete"; completedAt?: string }
  | { id: string; title: string; status: "current"; hint?: string }
  | { id: string; title: string; status: "upcoming" };

export interface StepperProps {
  steps: Step[];
}

function describe(step: Step): string {
  switch (step.status) {
    case "complete":
      return step.completedAt ? `Completed ${step.completedAt}` : "Completed";
    case "current":
      return step.hint ?? "In progress";
    case "upcoming":
      return "Not started";
  }
}

export function Stepper({ steps }: StepperProps) {
  return (
    <ol className="stepper" aria-label="Progress">
      {steps.map((step, index) => (
        <li
          key={step.id}
          className={clsx("stepper__step", `stepper__step--${step.status}`)}
          aria-current={step.status === "current" ? "step" : undefined}
        >
          <span className="stepper__marker" aria-hidden="true">
            {step.status === "complete" ? <Check size={14} /> : index + 1}
          </span>
          <span className="stepper__title">{step.title}</span>
          <span className="stepper__hint">{describe(step)}</span>
        </li>
      ))}
    </ol>
  );
}

export default Stepper;

import React, { useId } from "react";

export interface RadioOption<V extends string> {
  value: V;
  label: string;
  description?: string;
}

export interface RadioGroupProps<V extends string> {
  legend: string;
  options: RadioOption<V>[];
  value: V;
  onChange: (value: V) => void;
}

export function RadioGroup<V extends string>({ legend, options, value, onChange }: RadioGroupProps<V>) {
  const name = useId();
  return (
    <fieldset className="radio-group">
      <legend>{legend}</legend>
      {options.map((option) => {
        const id = `${name}-${option.value}`;
        return (
          <div key={option.value} className="radio-group__option">
            <input
              type="radio"
              id={id}
              name={name}
              value={option.value}
              checked={option.value === value}
              onChange={() => onChange(option.value)}
              aria-describedby={option.description ? `${id}-description` : undefined}
            />
            <label htmlFor={id}>{option.label}</label>
            {option.description && <p id={`${id}-description`}>{option.description}</p>}
          </div>
        );
      })}
    </fieldset>
  );
}

type Plan = "free" | "pro" | "team";

export function PlanPicker({ plan, onPlanChange }: { plan: Plan; onPlanChange: (p: Plan) => void }) {
  return (
    <RadioGroup<Plan>
      legend="Plan"
      value={plan}
      onChange={onPlanChange}
      options={[
        { value: "free", label: "Free" },
        { value: "pro", label: "Pro", description: "For individuals" },
        { value: "team", label: "Team", description: "Up to 20 seats" },
      ]}
    />
  );
}

export default PlanPicker;

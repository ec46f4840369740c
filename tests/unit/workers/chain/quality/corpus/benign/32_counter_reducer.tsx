import React, { useReducer } from "react";
import { Minus, Plus } from "lucide-react";

export interface QuantityStepperProps {
  initial?: number;
  min?: number;
  max?: number;
  step?: number;
  onChange?: (value: number) => void;
}

type CounterAction = { type: "increment" } | { type: "decrement" } | { type: "set"; value: number };

export function QuantityStepper({
  initial = 1,
  min = 0,
  max = 99,
  step = 1,
  onChange,
}: QuantityStepperProps) {
  const clamp = (n: number) => Math.min(max, Math.max(min, n));
  const [count, dispatch] = useReducer((state: number, action: CounterAction): number => {
    switch (action.type) {
      case "increment":
        return clamp(state + step);
      case "decrement":
        return clamp(state - step);
      case "set":
        return clamp(Number.isFinite(action.value) ? action.value : state);
    }
  }, clamp(initial));

  const update = (action: CounterAction) => {
    dispatch(action);
  };

  React.useEffect(() => {
    onChange?.(count);
  }, [count, onChange]);

  return (
    <div className="quantity" role="group" aria-label="Quantity">
      <button
        type="button"
        aria-label="Decrease"
        disabled={count <= min}
        onClick={() => update({ type: "decrement" })}
      >
        <Minus size={14} aria-hidden="true" />
      </button>
      <input
        type="number"
        inputMode="numeric"
        aria-label="Quantity"
        min={min}
        max={max}
        value={count}
        onChange={(event) => update({ type: "set", value: parseInt(event.target.value, 10) })}
      />
      <button
        type="button"
        aria-label="Increase"
        disabled={count >= max}
        onClick={() => update({ type: "increment" })}
      >
        <Plus size={14} aria-hidden="true" />
      </button>
    </div>
  );
}

export default QuantityStepper;

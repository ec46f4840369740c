import React from "react";
import { Loader2, RefreshCw } from "lucide-react";

export type AsyncState<T> =
  | { kind: "idle" }
  | { kind: "loading" }
  | { kind: "error"; message: string; retry?: () => void }
  | { kind: "ready"; data: T };

export interface OrdersPanelProps {
  state: AsyncState<Array<{ id: string; total: number }>>;
}

function assertNever(value: never): never {
  throw new Error(`Unhandled state: ${JSON.stringify(value)}`);
}

export function OrdersPanel({ state }: OrdersPanelProps) {
  switch (state.kind) {
    case "idle":
      return <p className="orders">Select a customer to see orders.</p>;
    case "loading":
      return (
        <p className="orders" role="status" aria-busy="true">
          <Loader2 size={16} className="animate-spin" aria-hidden="true" /> Loading orders…
        </p>
      );
    case "error":
      return (
        <div className="orders" role="alert">
          <p>{state.message}</p>
          {state.retry && (
            <button type="button" onClick={state.retry}>
              <RefreshCw size={14} aria-hidden="true" /> Try again
            </button>
          )}
        </div>
      );
    case "ready":
      return (
        <ul className="orders">
          {state.data.map((order) => (
            <li key={order.id}>
              #{order.id}: {order.total.toFixed(2)}
            </li>
          ))}
        </ul>
      );
    default:
      return assertNever(state);
  }
}

export default OrdersPanel;

import React, { useId, useReducer } from "react";
import { ChevronDown } from "lucide-react";

export interface MenuAction {
  id: string;
  label: string;
  danger?: boolean;
}

export interface ActionMenuProps {
  label: string;
  actions: MenuAction[];
  onAction: (id: string) => void;
}

type State = { open: boolean; highlighted: number };
type Action =
  | { type: "toggle" }
  | { type: "close" }
  | { type: "move"; delta: number; count: number }
  | { type: "highlight"; index: number };

function reducer(state: State, action: Action): State {
  switch (action.type) {
    case "toggle":
      return { open: !state.open, highlighted: 0 };
    case "close":
      return { ...state, open: false };
    case "move": {
      if (action.count === 0) return state;
      const next = (state.highlighted + action.delta + action.count) % action.count;
      return { open: true, highlighted: next };
    }
    case "highlight":
      return { ...state, highlighted: action.index };
  }
}

export function ActionMenu({ label, actions, onAction }: ActionMenuProps) {
  const [state, dispatch] = useReducer(reducer, { open: false, highlighted: 0 });
  const menuId = useId();
  const active = actions[state.highlighted];

  const choose = (id: string) => {
    dispatch({ type: "close" });
    onAction(id);
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLButtonElement>) => {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      dispatch({ type: "move", delta: 1, count: actions.length });
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      dispatch({ type: "move", delta: -1, count: actions.length });
    } else if (event.key === "Escape") {
      dispatch({ type: "close" });
    } else if ((event.key === "Enter" || event.key === " ") && state.open && active) {
      event.preventDefault();
      choose(active.id);
    }
  };

  return (
    <div className="menu">
      <button
        type="button"
        aria-haspopup="menu"
        aria-expanded={state.open}
        aria-controls={menuId}
        aria-activedescendant={state.open && active ? `${menuId}-${active.id}` : undefined}
        onClick={() => dispatch({ type: "toggle" })}
        onKeyDown={onKeyDown}
      >
        {label} <ChevronDown size={14} aria-hidden="true" />
      </button>
      {state.open && (
        <ul id={menuId} role="menu" aria-label={label}>
          {actions.map((action, index) => (
            <li
              key={action.id}
              id={`${menuId}-${action.id}`}
              role="menuitem"
              data-highlighted={index === state.highlighted || undefined}
              className={action.danger ? "menu__item menu__item--danger" : "menu__item"}
              onMouseEnter={() => dispatch({ type: "highlight", index })}
              onClick={() => choose(action.id)}
            >
              {action.label}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export default ActionMenu;

import React, { useEffect, useId, useRef, useState } from "react";

export interface TabDefinition {
  id: string;
  label: string;
  panel: React.ReactNode;
  disabled?: boolean;
}

export interface TabsProps {
  tabs: TabDefinition[];
  defaultTabId?: string;
  onChange?: (id: string) => void;
}

export function Tabs({ tabs, defaultTabId, onChange }: TabsProps) {
  const baseId = useId();
  const [activeId, setActiveId] = useState(defaultTabId ?? tabs[0]?.id ?? "");
  const focusPending = useRef(false);

  useEffect(() => {
    if (!focusPending.current) return;
    focusPending.current = false;
    document.getElementById(`${baseId}-tab-${activeId}`)?.focus();
  }, [activeId, baseId]);

  const select = (id: string, moveFocus: boolean) => {
    focusPending.current = moveFocus;
    setActiveId(id);
    onChange?.(id);
  };

  const enabled = tabs.filter((tab) => !tab.disabled);

  const handleKeyDown = (event: React.KeyboardEvent<HTMLDivElement>) => {
    const index = enabled.findIndex((tab) => tab.id === activeId);
    let nextIndex = index;
    switch (event.key) {
      case "ArrowRight":
        nextIndex = (index + 1) % enabled.length;
        break;
      case "ArrowLeft":
        nextIndex = (index - 1 + enabled.length) % enabled.length;
        break;
      case "Home":
        nextIndex = 0;
        break;
      case "End":
        nextIndex = enabled.length - 1;
        break;
      default:
        return;
    }
    event.preventDefault();
    const next = enabled[nextIndex];
    if (next) select(next.id, true);
  };

  return (
    <div className="tabs">
      <div role="tablist" aria-orientation="horizontal" onKeyDown={handleKeyDown}>
        {tabs.map((tab) => {
          const selected = tab.id === activeId;
          return (
            <button
              key={tab.id}
              id={`${baseId}-tab-${tab.id}`}
              type="button"
              role="tab"
              aria-selected={selected}
              aria-controls={`${baseId}-panel-${tab.id}`}
              tabIndex={selected ? 0 : -1}
              disabled={tab.disabled}
              onClick={() => select(tab.id, false)}
            >
              {tab.label}
            </button>
          );
        })}
      </div>
      {tabs.map((tab) => (
        <div
          key={tab.id}
          id={`${baseId}-panel-${tab.id}`}
          role="tabpanel"
          aria-labelledby={`${baseId}-tab-${tab.id}`}
          hidden={tab.id !== activeId}
          tabIndex={0}
        >
          {tab.panel}
        </div>
      ))}
    </div>
  );
}

export default Tabs;

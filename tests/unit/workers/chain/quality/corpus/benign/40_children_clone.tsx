import React from "react";

export interface SegmentProps {
  value: string;
  children: React.ReactNode;
  selected?: boolean;
  onSelect?: (value: string) => void;
}

export function Segment({ value, children, selected = false, onSelect }: SegmentProps) {
  return (
    <button
      type="button"
      role="radio"
      aria-checked={selected}
      className={selected ? "segment segment--selected" : "segment"}
      onClick={() => onSelect?.(value)}
    >
      {children}
    </button>
  );
}

export interface SegmentedProps {
  label: string;
  value: string;
  onValueChange: (value: string) => void;
  children: React.ReactNode;
}

export function Segmented({ label, value, onValueChange, children }: SegmentedProps) {
  const count = React.Children.count(children);
  return (
    <div role="radiogroup" aria-label={label} className="segmented" data-count={count}>
      {React.Children.map(children, (child) => {
        if (!React.isValidElement<SegmentProps>(child)) return child;
        return React.cloneElement(child, {
          selected: child.props.value === value,
          onSelect: onValueChange,
        });
      })}
    </div>
  );
}

export function ViewSwitcher({ view, onViewChange }: { view: string; onViewChange: (v: string) => void }) {
  return (
    <Segmented label="View" value={view} onValueChange={onViewChange}>
      <Segment value="list">List</Segment>
      <Segment value="grid">Grid</Segment>
      <Segment value="board">Board</Segment>
    </Segmented>
  );
}

export default ViewSwitcher;

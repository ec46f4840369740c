import * as React from "react";
import { Slot } from "@radix-ui/react-slot";
import { HelpCircle } from "lucide-react";

export interface PopoverProps {
  trigger: React.ReactElement;
  title: string;
  children: React.ReactNode;
}

export function Popover({ trigger, title, children }: PopoverProps) {
  const [open, setOpen] = React.useState(false);
  const contentId = React.useId();

  return (
    <div
      className="popover"
      onBlur={(event) => {
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setOpen(false);
      }}
      onKeyDown={(event) => {
        if (event.key === "Escape") setOpen(false);
      }}
    >
      <Slot
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={contentId}
        onClick={() => setOpen((o) => !o)}
      >
        {trigger}
      </Slot>
      {open && (
        <div id={contentId} role="dialog" aria-label={title} className="popover__content" tabIndex={-1}>
          <h3>{title}</h3>
          {children}
        </div>
      )}
    </div>
  );
}

export function FieldHelp({ text }: { text: string }) {
  return (
    <Popover
      title="Help"
      trigger={
        <button type="button" aria-label="Show help">
          <HelpCircle size={14} aria-hidden="true" />
        </button>
      }
    >
      <p>{text}</p>
    </Popover>
  );
}

export default FieldHelp;

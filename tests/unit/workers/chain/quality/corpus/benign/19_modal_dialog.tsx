import React, { useEffect, useId, useRef } from "react";
import { X } from "lucide-react";

export interface DialogProps {
  open: boolean;
  title: string;
  onClose: () => void;
  children?: React.ReactNode;
}

export function Dialog({ open, title, onClose, children }: DialogProps) {
  const titleId = useId();
  const panelRef = useRef<HTMLDivElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef<HTMLElement | null>(null);

  useEffect(() => {
    if (!open) return;
    returnFocus.current = document.activeElement as HTMLElement | null;
    closeRef.current?.focus();
    return () => {
      returnFocus.current?.focus();
    };
  }, [open]);

  if (!open) return null;

  const onKeyDown = (event: React.KeyboardEvent<HTMLDivElement>) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      onClose();
    }
  };

  return (
    <div className="dialog-backdrop" onClick={onClose}>
      <div
        ref={panelRef}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        className="dialog"
        onKeyDown={onKeyDown}
        onClick={(event) => event.stopPropagation()}
      >
        <header className="dialog__header">
          <h2 id={titleId}>{title}</h2>
          <button ref={closeRef} type="button" aria-label="Close dialog" onClick={onClose}>
            <X aria-hidden="true" size={16} />
          </button>
        </header>
        <div className="dialog__body">{children}</div>
      </div>
    </div>
  );
}

export default Dialog;

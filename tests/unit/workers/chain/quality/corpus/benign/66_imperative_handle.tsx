import React, { forwardRef, useImperativeHandle, useRef, useState } from "react";

export interface DrawerHandle {
  open: () => void;
  close: () => void;
}

export interface DrawerProps {
  title: string;
  children?: React.ReactNode;
  side?: "left" | "right";
}

export const Drawer = forwardRef<DrawerHandle, DrawerProps>(function Drawer(
  { title, children, side = "right" },
  ref,
) {
  const [isOpen, setIsOpen] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);

  useImperativeHandle(
    ref,
    () => ({
      open: () => {
        setIsOpen(true);
        headingRef.current?.focus();
      },
      close: () => setIsOpen(false),
    }),
    [],
  );

  return (
    <aside
      aria-hidden={!isOpen}
      aria-label={title}
      className={`drawer drawer--${side}`}
      style={{ transform: isOpen ? "none" : side === "right" ? "translateX(100%)" : "translateX(-100%)" }}
    >
      <h2 ref={headingRef} tabIndex={-1}>
        {title}
      </h2>
      {children}
      <button type="button" onClick={() => setIsOpen(false)}>
        Close
      </button>
    </aside>
  );
});

export function DrawerDemo({ title }: { title: string }) {
  const drawer = useRef<DrawerHandle>(null);
  return (
    <>
      <button type="button" onClick={() => drawer.current?.open()}>
        Open {title}
      </button>
      <Drawer ref={drawer} title={title}>
        <p>Drawer content</p>
      </Drawer>
    </>
  );
}

export default DrawerDemo;

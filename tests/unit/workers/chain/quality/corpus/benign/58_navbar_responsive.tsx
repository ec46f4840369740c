import React, { useId, useState } from "react";
import { Menu, X } from "lucide-react";

export interface NavLink {
  label: string;
  href: string;
}

export interface NavbarProps {
  brand: string;
  links: NavLink[];
  ctaHref: string;
  ctaLabel?: string;
}

export function Navbar({ brand, links, ctaHref, ctaLabel = "Sign up" }: NavbarProps) {
  const [open, setOpen] = useState(false);
  const menuId = useId();

  return (
    <header className="navbar">
      <a href="/" className="navbar__brand">
        {brand}
      </a>
      <button
        type="button"
        className="navbar__toggle"
        aria-expanded={open}
        aria-controls={menuId}
        aria-label={open ? "Close menu" : "Open menu"}
        onClick={() => setOpen((o) => !o)}
      >
        {open ? <X size={20} aria-hidden="true" /> : <Menu size={20} aria-hidden="true" />}
      </button>
      <nav id={menuId} aria-label="Primary" data-open={open || undefined}>
        <ul>
          {links.map((link) => (
            <li key={link.href}>
              <a href={link.href} onClick={() => setOpen(false)}>
                {link.label}
              </a>
            </li>
          ))}
        </ul>
        <a href={ctaHref} className="navbar__cta">
          {ctaLabel}
        </a>
      </nav>
    </header>
  );
}

export default Navbar;

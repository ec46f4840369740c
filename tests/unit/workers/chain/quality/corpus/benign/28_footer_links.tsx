import React from "react";
import { ExternalLink, Mail, Phone } from "lucide-react";

export interface SiteFooterProps {
  companyName: string;
  year?: number;
}

export function SiteFooter({ companyName, year = 2024 }: SiteFooterProps) {
  return (
    <footer className="site-footer">
      <nav aria-label="Footer">
        <ul>
          <li>
            <a href="/docs">Documentation</a>
          </li>
          <li>
            <a href="/pricing#faq">Pricing FAQ</a>
          </li>
          <li>
            <a href="https://github.com/componentforge" rel="noopener noreferrer" target="_blank">
              GitHub <ExternalLink size={14} aria-hidden="true" />
            </a>
          </li>
          <li>
            <a href="https://www.w3.org/WAI/standards-guidelines/wcag/">Accessibility standards</a>
          </li>
        </ul>
      </nav>
      <address>
        <a href="mailto:support@example.com?subject=Help">
          <Mail size={14} aria-hidden="true" /> support@example.com
        </a>
        <a href="tel:+15555550123">
          <Phone size={14} aria-hidden="true" /> +1 555 555 0123
        </a>
      </address>
      <p>
        © {year} {companyName}
      </p>
    </footer>
  );
}

export default SiteFooter;

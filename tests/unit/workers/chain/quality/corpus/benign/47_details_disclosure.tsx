import React, { useState } from "react";

export interface FaqItem {
  question: string;
  answer: string;
}

export interface FaqProps {
  heading?: string;
  items: FaqItem[];
  onToggle?: (question: string, open: boolean) => void;
}

export function Faq({ heading = "Frequently asked questions", items, onToggle }: FaqProps) {
  const [openCount, setOpenCount] = useState(0);
  return (
    <section className="faq" aria-label={heading}>
      <h2>{heading}</h2>
      <p className="faq__meta" aria-live="polite">
        {openCount} of {items.length} expanded
      </p>
      {items.map((item) => (
        <details
          key={item.question}
          className="faq__item"
          onToggle={(event) => {
            const isOpen = event.currentTarget.open;
            setOpenCount((n) => n + (isOpen ? 1 : -1));
            onToggle?.(item.question, isOpen);
          }}
        >
          <summary>{item.question}</summary>
          <p>{item.answer}</p>
        </details>
      ))}
    </section>
  );
}

export default Faq;

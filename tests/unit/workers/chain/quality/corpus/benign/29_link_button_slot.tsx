import * as React from "react";
import { Slot } from "@radix-ui/react-slot";
import { ArrowRight } from "lucide-react";
import { clsx } from "clsx";

export interface ActionProps extends React.ButtonHTMLAttributes<HTMLButtonElement> {
  asChild?: boolean;
}

export const Action = React.forwardRef<HTMLButtonElement, ActionProps>(
  ({ asChild, className, ...props }, ref) => {
    const Comp = asChild ? Slot : "button";
    return <Comp ref={ref} className={clsx("action", className)} {...props} />;
  },
);
Action.displayName = "Action";

export interface CallToActionProps {
  href: string;
  title: string;
  secondaryHref?: string;
}

export function CallToAction({ href, title, secondaryHref }: CallToActionProps) {
  return (
    <section className="cta" aria-label={title}>
      <h2>{title}</h2>
      <Action asChild>
        <a href={href}>
          Get started <ArrowRight size={14} aria-hidden="true" />
        </a>
      </Action>
      {secondaryHref ? (
        <a href={secondaryHref} className="cta__secondary">
          Learn more
        </a>
      ) : (
        <a href="/docs" className="cta__secondary">
          Read the docs
        </a>
      )}
    </section>
  );
}

export default CallToAction;

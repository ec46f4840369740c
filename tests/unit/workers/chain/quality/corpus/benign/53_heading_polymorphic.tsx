import React from "react";
import clsx from "clsx";

type HeadingTag = "h1" | "h2" | "h3" | "h4";

export interface HeadingProps extends React.HTMLAttributes<HTMLHeadingElement> {
  as?: HeadingTag;
  size?: "sm" | "md" | "lg" | "xl";
}

const sizes = {
  sm: "text-base",
  md: "text-lg",
  lg: "text-2xl",
  xl: "text-4xl",
} as const;

export function Heading({ as = "h2", size = "md", className, ...rest }: HeadingProps) {
  const Tag = as;
  return <Tag className={clsx("font-semibold tracking-tight", sizes[size], className)} {...rest} />;
}

export function PageTitle({ title, subtitle }: { title: string; subtitle?: string }) {
  return (
    <hgroup>
      <Heading as="h1" size="xl">
        {title}
      </Heading>
      {subtitle && <p className="text-muted">{subtitle}</p>}
    </hgroup>
  );
}

export default PageTitle;

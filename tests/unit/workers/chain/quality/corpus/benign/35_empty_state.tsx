import React from "react";
import { Inbox, type LucideProps } from "lucide-react";

export interface EmptyStateProps {
  title: string;
  description?: string;
  icon?: React.ComponentType<LucideProps>;
  action?: React.ReactNode;
}

export function EmptyState({ title, description, icon: Icon = Inbox, action }: EmptyStateProps) {
  return (
    <section className="empty-state" aria-labelledby="empty-state-title">
      <Icon size={32} strokeWidth={1.5} aria-hidden="true" />
      <h2 id="empty-state-title">{title}</h2>
      {description ? <p>{description}</p> : null}
      {action ? <div className="empty-state__action">{action}</div> : null}
    </section>
  );
}

export default EmptyState;

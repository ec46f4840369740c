import React from "react";

export interface SkeletonProps {
  lines?: number;
  avatar?: boolean;
  loading?: boolean;
  children?: React.ReactNode;
}

export function Skeleton({ lines = 3, avatar = false, loading = true, children }: SkeletonProps) {
  if (!loading) return <>{children}</>;
  return (
    <div className="skeleton" aria-busy="true" aria-live="polite">
      <span className="sr-only">Loading…</span>
      {avatar && (
        <div
          className="skeleton__avatar"
          style={{ width: 40, height: 40, borderRadius: "50%", background: "var(--cf-skeleton)" }}
        />
      )}
      {Array.from({ length: lines }).map((_, i) => (
        <div
          key={i}
          className="skeleton__line"
          style={{
            width: `${60 + ((i * 17) % 40)}%`,
            height: 12,
            marginBlock: 6,
            background: "var(--cf-skeleton, #e5e7eb)",
          }}
        />
      ))}
    </div>
  );
}

export default Skeleton;

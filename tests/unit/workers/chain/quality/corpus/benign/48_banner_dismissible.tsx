import React, { useState } from "react";
import { Megaphone, X } from "lucide-react";

export interface AnnouncementBannerProps {
  message: string;
  linkHref?: string;
  linkLabel?: string;
  onDismiss?: () => void;
}

export function AnnouncementBanner({
  message,
  linkHref,
  linkLabel = "Read more",
  onDismiss,
}: AnnouncementBannerProps) {
  const [dismissed, setDismissed] = useState(false);
  if (dismissed) return null;

  return (
    <div role="region" aria-label="Announcement" className="banner">
      <Megaphone size={16} aria-hidden="true" />
      <p>
        {message}{" "}
        {linkHref && (
          <a href={linkHref} className="banner__link">
            {linkLabel}
          </a>
        )}
      </p>
      <button
        type="button"
        aria-label="Dismiss announcement"
        onClick={() => {
          setDismissed(true);
          onDismiss?.();
        }}
      >
        <X size={14} aria-hidden="true" />
      </button>
    </div>
  );
}

export default AnnouncementBanner;

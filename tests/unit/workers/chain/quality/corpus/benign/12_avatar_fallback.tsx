import React, { useState } from "react";

export interface AvatarProps {
  name: string;
  src?: string;
  size?: number;
}

function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part.charAt(0).toUpperCase())
    .join("");
}

export function Avatar({ name, src, size = 40 }: AvatarProps) {
  const [failed, setFailed] = useState(false);
  const style: React.CSSProperties = {
    width: size,
    height: size,
    borderRadius: "50%",
    fontSize: Math.round(size * 0.4),
  };

  if (!src || failed) {
    return (
      <span role="img" aria-label={name} className="avatar avatar--fallback" style={style}>
        {initials(name)}
      </span>
    );
  }

  return (
    <img
      src={src}
      alt={name}
      width={size}
      height={size}
      className="avatar"
      style={style}
      onError={() => setFailed(true)}
    />
  );
}

export default Avatar;

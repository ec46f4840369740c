import React from "react";
import { File, FileImage, FileText } from "lucide-react";

const UNITS = ["B", "KB", "MB", "GB", "TB"] as const;

export function formatBytes(bytes: number, decimals = 1): string {
  if (!Number.isFinite(bytes) || bytes <= 0) return "0 B";
  const exponent = Math.min(UNITS.length - 1, Math.floor(Math.log(bytes) / Math.log(1024)));
  const value = bytes / 1024 ** exponent;
  return `${value.toFixed(exponent === 0 ? 0 : decimals)} ${UNITS[exponent]}`;
}

export interface FileRowProps {
  name: string;
  bytes: number;
  mimeType?: string;
  onRemove?: () => void;
}

export function FileRow({ name, bytes, mimeType = "", onRemove }: FileRowProps) {
  const Icon = mimeType.startsWith("image/") ? FileImage : mimeType.startsWith("text/") ? FileText : File;
  const extension = name.includes(".") ? name.slice(name.lastIndexOf(".") + 1).toUpperCase() : "";
  return (
    <div className="file-row">
      <Icon size={18} aria-hidden="true" />
      <span className="file-row__name" title={name}>
        {name}
      </span>
      {extension && <span className="file-row__ext">{extension}</span>}
      <span className="file-row__size">{formatBytes(bytes)}</span>
      {onRemove && (
        <button type="button" onClick={onRemove} aria-label={`Remove ${name}`}>
          Remove
        </button>
      )}
    </div>
  );
}

export default FileRow;

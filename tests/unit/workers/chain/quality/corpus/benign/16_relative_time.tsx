import React from "react";

export interface RelativeTimeProps {
  date: Date | string;
  now?: Date;
  locale?: string;
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
  ["second", 1],
];

export function formatRelative(target: Date, now: Date, locale: string): string {
  const seconds = Math.round((target.getTime() - now.getTime()) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: "auto" });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === "second") {
      return format.format(Math.round(seconds / size), unit);
    }
  }
  return format.format(0, "second");
}

export function RelativeTime({ date, now = new Date(), locale = "en" }: RelativeTimeProps) {
  const target = typeof date === "string" ? new Date(date) : date;
  if (Number.isNaN(target.getTime())) {
    return <span className="relative-time">Unknown date</span>;
  }
  const absolute = new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(
    target,
  );
  return (
    <time dateTime={target.toISOString()} title={absolute} className="relative-time">
      {formatRelative(target, now, locale)}
    </time>
  );
}

export default RelativeTime;

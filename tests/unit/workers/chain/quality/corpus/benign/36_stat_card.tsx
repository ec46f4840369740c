import React from "react";
import { TrendingDown, TrendingUp } from "lucide-react";
import clsx from "clsx";

export interface StatCardProps {
  label: string;
  value: number;
  previous?: number;
  unit?: "count" | "currency" | "percent";
  currency?: string;
}

const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });

function formatValue(value: number, unit: StatCardProps["unit"], currency: string): string {
  if (unit === "currency") {
    return new Intl.NumberFormat("en-US", { style: "currency", currency, notation: "compact" }).format(
      value,
    );
  }
  if (unit === "percent") return percent.format(value);
  return compact.format(value);
}

export function StatCard({ label, value, previous, unit = "count", currency = "USD" }: StatCardProps) {
  const change = previous ? (value - previous) / Math.abs(previous) : null;
  const up = change !== null && change >= 0;
  const Trend = up ? TrendingUp : TrendingDown;

  return (
    <article className="stat-card" aria-label={label}>
      <h3 className="stat-card__label">{label}</h3>
      <p className="stat-card__value">{formatValue(value, unit, currency)}</p>
      {change !== null && (
        <p className={clsx("stat-card__delta", up ? "text-emerald-600" : "text-rose-600")}>
          <Trend size={14} aria-hidden="true" />
          <span>
            {up ? "+" : ""}
            {percent.format(change)} vs. last period
          </span>
        </p>
      )}
    </article>
  );
}

export default StatCard;

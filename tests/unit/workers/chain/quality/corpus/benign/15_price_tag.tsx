import React, { useMemo } from "react";

export interface PriceTagProps {
  amount: number;
  currency?: string;
  locale?: string;
  compareAt?: number;
}

export function PriceTag({ amount, currency = "USD", locale = "en-US", compareAt }: PriceTagProps) {
  const formatter = useMemo(
    () => new Intl.NumberFormat(locale, { style: "currency", currency }),
    [locale, currency],
  );
  const onSale = typeof compareAt === "number" && compareAt > amount;
  const savings = onSale ? Math.round(((compareAt - amount) / compareAt) * 100) : 0;

  return (
    <p className="price-tag">
      <span className="price-tag__amount">{formatter.format(amount)}</span>
      {onSale && (
        <>
          {" "}
          <s aria-label={`Was ${formatter.format(compareAt)}`}>{formatter.format(compareAt)}</s>
          <span className="price-tag__badge"> Save {savings}%</span>
        </>
      )}
    </p>
  );
}

export default PriceTag;

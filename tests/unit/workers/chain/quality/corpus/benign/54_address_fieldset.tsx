import React, { useId } from "react";

export interface Address {
  line1: string;
  line2: string;
  city: string;
  postalCode: string;
  country: string;
}

export interface AddressFieldsProps {
  legend?: string;
  value: Address;
  onChange: (value: Address) => void;
  countries: Array<{ code: string; name: string }>;
}

export function AddressFields({ legend = "Shipping address", value, onChange, countries }: AddressFieldsProps) {
  const id = useId();
  const set = (field: keyof Address) => (event: React.ChangeEvent<HTMLInputElement | HTMLSelectElement>) =>
    onChange({ ...value, [field]: event.target.value });

  return (
    <fieldset className="address">
      <legend>{legend}</legend>
      <label htmlFor={`${id}-line1`}>Street address</label>
      <input id={`${id}-line1`} autoComplete="address-line1" required value={value.line1} onChange={set("line1")} />
      <label htmlFor={`${id}-line2`}>Apartment, suite (optional)</label>
      <input id={`${id}-line2`} autoComplete="address-line2" value={value.line2} onChange={set("line2")} />
      <div className="address__row">
        <div>
          <label htmlFor={`${id}-city`}>City</label>
          <input id={`${id}-city`} autoComplete="address-level2" required value={value.city} onChange={set("city")} />
        </div>
        <div>
          <label htmlFor={`${id}-postal`}>Postal code</label>
          <input
            id={`${id}-postal`}
            autoComplete="postal-code"
            inputMode="text"
            required
            value={value.postalCode}
            onChange={set("postalCode")}
          />
        </div>
      </div>
      <label htmlFor={`${id}-country`}>Country</label>
      <select id={`${id}-country`} autoComplete="country" value={value.country} onChange={set("country")}>
        {countries.map((c) => (
          <option key={c.code} value={c.code}>
            {c.name}
          </option>
        ))}
      </select>
    </fieldset>
  );
}

export default AddressFields;

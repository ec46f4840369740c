import React, { useDeferredValue, useMemo, useState, useTransition } from "react";
import { Search } from "lucide-react";

export interface Country {
  code: string;
  name: string;
  population: number;
}

export interface CountryFilterProps {
  countries: Country[];
}

export function CountryFilter({ countries }: CountryFilterProps) {
  const [query, setQuery] = useState("");
  const [sortBy, setSortBy] = useState<"name" | "population">("name");
  const [isPending, startTransition] = useTransition();
  const deferred = useDeferredValue(query);
  const number = useMemo(() => new Intl.NumberFormat("en-US"), []);

  const visible = useMemo(() => {
    const needle = deferred.trim().toLowerCase();
    const matches = countries.filter(
      (c) => c.name.toLowerCase().includes(needle) || c.code.toLowerCase() === needle,
    );
    return [...matches].sort((a, b) =>
      sortBy === "name" ? a.name.localeCompare(b.name) : b.population - a.population,
    );
  }, [countries, deferred, sortBy]);

  return (
    <div className="country-filter" aria-busy={isPending || query !== deferred}>
      <label>
        <Search size={14} aria-hidden="true" />
        <span className="sr-only">Filter countries</span>
        <input value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Filter countries" />
      </label>
      <select
        aria-label="Sort by"
        value={sortBy}
        onChange={(e) => {
          const next = e.target.value === "population" ? "population" : "name";
          startTransition(() => setSortBy(next));
        }}
      >
        <option value="name">Name</option>
        <option value="population">Population</option>
      </select>
      <ul>
        {visible.map((c) => (
          <li key={c.code}>
            {c.name} <small>({number.format(c.population)})</small>
          </li>
        ))}
      </ul>
      {visible.length === 0 && <p>No country matches “{deferred}”.</p>}
    </div>
  );
}

export default CountryFilter;

import React, { useCallback, useEffect, useRef, useState } from "react";
import { Search, X } from "lucide-react";

export interface SearchBoxProps {
  placeholder?: string;
  delay?: number;
  onSearch: (query: string) => void;
}

export function SearchBox({ placeholder = "Search", delay = 300, onSearch }: SearchBoxProps) {
  const [query, setQuery] = useState("");
  const inputRef = useRef<HTMLInputElement>(null);
  const latest = useRef(onSearch);
  latest.current = onSearch;

  useEffect(() => {
    const handle = setTimeout(() => latest.current(query.trim()), delay);
    return () => clearTimeout(handle);
  }, [query, delay]);

  const clear = useCallback(() => {
    setQuery("");
    inputRef.current?.focus();
  }, []);

  return (
    <div role="search" className="search-box">
      <Search size={16} aria-hidden="true" />
      <input
        ref={inputRef}
        type="search"
        aria-label={placeholder}
        placeholder={placeholder}
        value={query}
        onChange={(event) => setQuery(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") clear();
        }}
      />
      {query && (
        <button type="button" aria-label="Clear search" onClick={clear}>
          <X size={14} aria-hidden="true" />
        </button>
      )}
    </div>
  );
}

export default SearchBox;

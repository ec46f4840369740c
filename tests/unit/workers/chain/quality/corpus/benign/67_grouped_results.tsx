import React, { useMemo } from "react";
import { Tag } from "lucide-react";

export interface SearchResult {
  id: string;
  title: string;
  category: string;
  score: number;
}

export interface GroupedResultsProps {
  query: string;
  results: SearchResult[];
  minScore?: number;
}

const CATEGORY_ORDER = Object.freeze(["Guides", "API", "Blog"]);

export function GroupedResults({ query, results, minScore = 0.2 }: GroupedResultsProps) {
  const groups = useMemo(() => {
    const byCategory = new Map<string, SearchResult[]>();
    for (const result of results) {
      if (result.score < minScore) continue;
      const list = byCategory.get(result.category) ?? [];
      list.push(result);
      byCategory.set(result.category, list);
    }
    return Array.from(byCategory.entries()).sort(([a], [b]) => {
      const ia = CATEGORY_ORDER.indexOf(a);
      const ib = CATEGORY_ORDER.indexOf(b);
      return (ia === -1 ? Infinity : ia) - (ib === -1 ? Infinity : ib) || a.localeCompare(b);
    });
  }, [results, minScore]);

  const total = groups.reduce((sum, [, list]) => sum + list.length, 0);

  return (
    <section aria-label={`Results for ${query}`}>
      <p role="status">
        {total} result{total === 1 ? "" : "s"} for “{query}”
      </p>
      {groups.map(([category, list]) => (
        <div key={category}>
          <h3>
            <Tag size={14} aria-hidden="true" /> {category} <small>({list.length})</small>
          </h3>
          <ul>
            {list.map((r) => (
              <li key={r.id}>
                {r.title} <meter min={0} max={1} value={r.score} aria-label="Relevance" />
              </li>
            ))}
          </ul>
        </div>
      ))}
      <a href={`/search?q=${encodeURIComponent(query)}&page=2`}>More results</a>
    </section>
  );
}

export default GroupedResults;

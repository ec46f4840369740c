import React, { useState } from "react";
import { X } from "lucide-react";

export interface TagInputProps {
  label: string;
  value: string[];
  onChange: (tags: string[]) => void;
  max?: number;
}

export function TagInput({ label, value, onChange, max = 10 }: TagInputProps) {
  const [draft, setDraft] = useState("");
  const inputId = React.useId();

  const add = (raw: string) => {
    const tag = raw.trim().toLowerCase();
    if (!tag || value.length >= max) return;
    onChange(Array.from(new Set([...value, tag])));
    setDraft("");
  };

  const remove = (tag: string) => onChange(value.filter((t) => t !== tag));

  const onKeyDown = (event: React.KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter" || event.key === ",") {
      event.preventDefault();
      add(draft);
    } else if (event.key === "Backspace" && draft === "" && value.length > 0) {
      remove(value[value.length - 1]);
    }
  };

  return (
    <div className="tag-input">
      <label htmlFor={inputId}>{label}</label>
      <ul className="tag-input__tags" aria-live="polite">
        {value.map((tag) => (
          <li key={tag} className="tag">
            {tag}
            <button type="button" aria-label={`Remove ${tag}`} onClick={() => remove(tag)}>
              <X size={12} aria-hidden="true" />
            </button>
          </li>
        ))}
      </ul>
      <input
        id={inputId}
        value={draft}
        placeholder={value.length >= max ? `Up to ${max} tags` : "Add a tag"}
        disabled={value.length >= max}
        onChange={(event) => setDraft(event.target.value)}
        onKeyDown={onKeyDown}
        onBlur={() => add(draft)}
      />
    </div>
  );
}

export default TagInput;

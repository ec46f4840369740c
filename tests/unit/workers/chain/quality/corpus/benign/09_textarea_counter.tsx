import React, { useState } from "react";

export interface CommentBoxProps {
  label?: string;
  maxLength?: number;
  defaultValue?: string;
  onSubmit?: (text: string) => void;
}

export function CommentBox({
  label = "Comment",
  maxLength = 280,
  defaultValue = "",
  onSubmit,
}: CommentBoxProps) {
  const [text, setText] = useState(defaultValue);
  const id = React.useId();
  const remaining = maxLength - text.length;
  const nearLimit = remaining <= Math.ceil(maxLength * 0.1);

  const handleSubmit = (event: React.FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const trimmed = text.trim();
    if (!trimmed) return;
    onSubmit?.(trimmed);
    setText("");
  };

  return (
    <form className="comment-box" onSubmit={handleSubmit}>
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        value={text}
        maxLength={maxLength}
        rows={4}
        aria-describedby={`${id}-count`}
        onChange={(event) => setText(event.target.value)}
      />
      <p
        id={`${id}-count`}
        aria-live="polite"
        className={nearLimit ? "comment-box__count--warn" : "comment-box__count"}
      >
        {remaining} characters left
      </p>
      <button type="submit" disabled={text.trim().length === 0}>
        Post
      </button>
    </form>
  );
}

export default CommentBox;

import React, { useRef, useState } from "react";

export interface OneTimeCodeProps {
  length?: number;
  onComplete: (code: string) => void;
}

export function OneTimeCode({ length = 6, onComplete }: OneTimeCodeProps) {
  const [digits, setDigits] = useState<string[]>(() => Array.from({ length }, () => ""));
  const inputs = useRef<Array<HTMLInputElement | null>>([]);

  const update = (index: number, digit: string) => {
    const next = digits.slice();
    next[index] = digit;
    setDigits(next);
    if (digit && index < length - 1) inputs.current[index + 1]?.focus();
    if (next.every(Boolean)) onComplete(next.join(""));
  };

  const onKeyDown = (index: number) => (event: React.KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Backspace" && !digits[index] && index > 0) {
      inputs.current[index - 1]?.focus();
    } else if (event.key === "ArrowLeft" && index > 0) {
      inputs.current[index - 1]?.focus();
    } else if (event.key === "ArrowRight" && index < length - 1) {
      inputs.current[index + 1]?.focus();
    }
  };

  const onPaste = (event: React.ClipboardEvent<HTMLInputElement>) => {
    const pasted = event.clipboardData.getData("text").replace(/\D/g, "").slice(0, length);
    if (!pasted) return;
    event.preventDefault();
    const next = Array.from({ length }, (_, i) => pasted.charAt(i));
    setDigits(next);
    inputs.current[Math.min(pasted.length, length - 1)]?.focus();
    if (pasted.length === length) onComplete(pasted);
  };

  return (
    <fieldset className="otp">
      <legend>Enter the {length}-digit code</legend>
      {digits.map((digit, index) => (
        <input
          key={index}
          ref={(el) => {
            inputs.current[index] = el;
          }}
          inputMode="numeric"
          autoComplete={index === 0 ? "one-time-code" : "off"}
          maxLength={1}
          aria-label={`Digit ${index + 1}`}
          value={digit}
          onChange={(event) => update(index, event.target.value.replace(/\D/g, "").slice(-1))}
          onKeyDown={onKeyDown(index)}
          onPaste={onPaste}
        />
      ))}
    </fieldset>
  );
}

export default OneTimeCode;

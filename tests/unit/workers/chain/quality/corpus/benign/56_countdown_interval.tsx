import React, { useEffect, useState } from "react";
import { Clock } from "lucide-react";

export interface CountdownProps {
  until: string | number;
  label?: string;
  startAt?: number;
  onFinish?: () => void;
}

function parts(ms: number) {
  const total = Math.max(0, Math.floor(ms / 1000));
  return {
    days: Math.floor(total / 86400),
    hours: Math.floor((total % 86400) / 3600),
    minutes: Math.floor((total % 3600) / 60),
    seconds: total % 60,
  };
}

const pad = (n: number) => String(n).padStart(2, "0");

export function Countdown({ until, label = "Sale ends in", startAt, onFinish }: CountdownProps) {
  const target = new Date(until).getTime();
  const [now, setNow] = useState(() => startAt ?? Date.now());

  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(id);
  }, []);

  const remaining = target - now;

  useEffect(() => {
    if (remaining <= 0) onFinish?.();
  }, [remaining <= 0, onFinish]); // eslint-disable-line react-hooks/exhaustive-deps

  const { days, hours, minutes, seconds } = parts(remaining);

  return (
    <p className="countdown" role="timer" aria-live="off">
      <Clock size={14} aria-hidden="true" /> {label}{" "}
      <time dateTime={`P${days}DT${hours}H${minutes}M${seconds}S`}>
        {days > 0 && `${days}d `}
        {pad(hours)}:{pad(minutes)}:{pad(seconds)}
      </time>
    </p>
  );
}

export default Countdown;

import React, { useMemo, useState } from "react";
import { ChevronLeft, ChevronRight } from "lucide-react";

export interface MonthCalendarProps {
  initialMonth?: Date;
  selected?: Date;
  onSelect?: (date: Date) => void;
  locale?: string;
}

function sameDay(a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

function buildWeeks(month: Date): Array<Array<Date | null>> {
  const first = new Date(month.getFullYear(), month.getMonth(), 1);
  const daysInMonth = new Date(month.getFullYear(), month.getMonth() + 1, 0).getDate();
  const cells: Array<Date | null> = [
    ...Array.from({ length: first.getDay() }, () => null),
    ...Array.from({ length: daysInMonth }, (_, i) => new Date(month.getFullYear(), month.getMonth(), i + 1)),
  ];
  while (cells.length % 7 !== 0) cells.push(null);
  return Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
}

export function MonthCalendar({
  initialMonth = new Date(2024, 0, 1),
  selected,
  onSelect,
  locale = "en-US",
}: MonthCalendarProps) {
  const [month, setMonth] = useState(() => new Date(initialMonth.getFullYear(), initialMonth.getMonth(), 1));
  const weeks = useMemo(() => buildWeeks(month), [month]);
  const title = new Intl.DateTimeFormat(locale, { month: "long", year: "numeric" }).format(month);
  const weekdays = useMemo(() => {
    const format = new Intl.DateTimeFormat(locale, { weekday: "short" });
    return Array.from({ length: 7 }, (_, i) => format.format(new Date(2024, 0, 7 + i)));
  }, [locale]);

  const shift = (delta: number) => setMonth((m) => new Date(m.getFullYear(), m.getMonth() + delta, 1));

  return (
    <div className="calendar">
      <div className="calendar__header">
        <button type="button" aria-label="Previous month" onClick={() => shift(-1)}>
          <ChevronLeft size={16} aria-hidden="true" />
        </button>
        <h2 aria-live="polite">{title}</h2>
        <button type="button" aria-label="Next month" onClick={() => shift(1)}>
          <ChevronRight size={16} aria-hidden="true" />
        </button>
      </div>
      <table role="grid" aria-label={title}>
        <thead>
          <tr>
            {weekdays.map((day) => (
              <th key={day} scope="col" abbr={day}>
                {day}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week, w) => (
            <tr key={w}>
              {week.map((day, d) =>
                day ? (
                  <td key={d} aria-selected={selected ? sameDay(day, selected) : false}>
                    <button type="button" onClick={() => onSelect?.(day)}>
                      {day.getDate()}
                    </button>
                  </td>
                ) : (
                  <td key={d} />
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default MonthCalendar;

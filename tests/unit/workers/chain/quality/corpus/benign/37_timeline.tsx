import React from "react";

export interface TimelineEvent {
  id: string;
  title: string;
  date: Date;
  body?: string;
}

export interface TimelineProps {
  events: TimelineEvent[];
  locale?: string;
  newestFirst?: boolean;
}

export function Timeline({ events, locale = "en-GB", newestFirst = true }: TimelineProps) {
  const format = React.useMemo(
    () => new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", year: "numeric" }),
    [locale],
  );
  const ordered = [...events].sort((a, b) =>
    newestFirst ? b.date.getTime() - a.date.getTime() : a.date.getTime() - b.date.getTime(),
  );

  return (
    <ol className="timeline">
      {ordered.map((event) => (
        <li key={event.id} className="timeline__event">
          <time dateTime={event.date.toISOString()} className="timeline__date">
            {format.format(event.date)}
          </time>
          <h4 className="timeline__title">{event.title}</h4>
          {event.body && <p className="timeline__body">{event.body}</p>}
        </li>
      ))}
    </ol>
  );
}

export default Timeline;

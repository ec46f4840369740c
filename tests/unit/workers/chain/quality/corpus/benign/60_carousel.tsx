import React, { useState } from "react";
import { ChevronLeft, ChevronRight } from "lucide-react";

export interface Slide {
  id: string;
  imageSrc: string;
  alt: string;
  caption?: string;
}

export interface CarouselProps {
  slides: Slide[];
  label: string;
}

export function Carousel({ slides, label }: CarouselProps) {
  const [index, setIndex] = useState(0);
  const count = slides.length;
  if (count === 0) return null;

  const go = (delta: number) => setIndex((i) => (i + delta + count) % count);
  const slide = slides[index];

  return (
    <section
      aria-roledescription="carousel"
      aria-label={label}
      className="carousel"
      onKeyDown={(event) => {
        if (event.key === "ArrowLeft") go(-1);
        if (event.key === "ArrowRight") go(1);
      }}
    >
      <div
        role="group"
        aria-roledescription="slide"
        aria-label={`${index + 1} of ${count}`}
        aria-live="polite"
      >
        <img src={slide.imageSrc} alt={slide.alt} />
        {slide.caption && <p>{slide.caption}</p>}
      </div>
      <button type="button" aria-label="Previous slide" onClick={() => go(-1)}>
        <ChevronLeft aria-hidden="true" />
      </button>
      <button type="button" aria-label="Next slide" onClick={() => go(1)}>
        <ChevronRight aria-hidden="true" />
      </button>
      <div className="carousel__dots">
        {slides.map((s, i) => (
          <button
            key={s.id}
            type="button"
            aria-label={`Go to slide ${i + 1}`}
            aria-current={i === index || undefined}
            onClick={() => setIndex(i)}
          />
        ))}
      </div>
    </section>
  );
}

export default Carousel;

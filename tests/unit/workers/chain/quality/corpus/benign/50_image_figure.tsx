import React from "react";

export interface FigureProps {
  src: string;
  alt: string;
  caption?: string;
  width?: number;
  height?: number;
  credit?: string;
}

export function Figure({ src, alt, caption, width = 640, height = 360, credit }: FigureProps) {
  return (
    <figure className="figure">
      <img src={src} alt={alt} width={width} height={height} loading="lazy" decoding="async" />
      {(caption || credit) && (
        <figcaption>
          {caption}
          {credit && <small className="figure__credit"> Photo: {credit}</small>}
        </figcaption>
      )}
    </figure>
  );
}

export function BrandHeader({ title }: { title: string }) {
  return (
    <header className="brand-header">
      <a href="/" aria-label="Home">
        <img
          src="/assets/logo.svg"
          srcSet="/assets/logo.png 1x, /assets/logo@2x.png 2x"
          alt=""
          width={32}
          height={32}
        />
      </a>
      <h1>{title}</h1>
      <picture>
        <source srcSet="/assets/hero.webp" type="image/webp" />
        <img src="/assets/hero.jpg" alt="" width={1200} height={400} />
      </picture>
    </header>
  );
}

export default Figure;

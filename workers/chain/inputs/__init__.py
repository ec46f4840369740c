"""What the chain starts from: design tokens extracted from a Figma file (and their W3C
form), and the pattern library with its BM25 retrieval."""

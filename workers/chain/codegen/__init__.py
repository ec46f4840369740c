"""Generated code: the component model built from requirements, and the TSX renderers
(component, stories, per-type templates) that escape everything taken from input."""

"""Token sets of ComponentForge's own exemplar inputs (backend/data/exemplars/*/input.json),
copied as they are: every one must be accepted."""

from __future__ import annotations

from typing import Any

EXEMPLAR_TOKENS: dict[str, dict[str, Any]] = {
    "alert": {
        "colors": {
            "info": {"background": "#EFF6FF", "border": "#3B82F6", "text": "#1E40AF",
                     "icon": "#3B82F6"},
            "success": {"background": "#F0FDF4", "border": "#10B981", "text": "#166534",
                        "icon": "#10B981"},
            "warning": {"background": "#FFFBEB", "border": "#F59E0B", "text": "#92400E",
                        "icon": "#F59E0B"},
            "error": {"background": "#FEF2F2", "border": "#EF4444", "text": "#991B1B",
                      "icon": "#EF4444"},
        },
        "typography": {"titleSize": "14px", "titleWeight": "600", "bodySize": "14px",
                       "bodyWeight": "400"},
        "spacing": {"padding": "12px 16px", "gap": "12px"},
        "borders": {"radius": "6px", "width": "1px"},
    },
    "button": {
        "colors": {"primary": "#3B82F6", "secondary": "#64748B", "success": "#10B981",
                   "danger": "#EF4444"},
        "typography": {"fontSize": "14px", "fontWeight": "500"},
        "spacing": {"padding": "8px 16px"},
        "borders": {"radius": "6px"},
    },
    "card": {
        "colors": {"background": "#FFFFFF", "border": "#E5E7EB", "text": "#111827"},
        "typography": {"titleSize": "18px", "titleWeight": "600", "bodySize": "14px",
                       "bodyWeight": "400"},
        "spacing": {"padding": "16px", "gap": "12px"},
        "borders": {"radius": "8px", "width": "1px"},
        "shadows": {"sm": "0 1px 2px 0 rgba(0, 0, 0, 0.05)",
                    "md": "0 4px 6px -1px rgba(0, 0, 0, 0.1)"},
    },
    "checkbox": {
        "colors": {"border": "#D1D5DB", "borderChecked": "#3B82F6", "background": "#FFFFFF",
                   "backgroundChecked": "#3B82F6", "checkmark": "#FFFFFF", "label": "#374151",
                   "labelDisabled": "#9CA3AF"},
        "typography": {"labelSize": "14px", "labelWeight": "400"},
        "spacing": {"gap": "8px"},
        "borders": {"radius": "4px", "width": "2px"},
        "sizes": {"checkbox": "16px"},
    },
    "input": {
        "colors": {"border": "#D1D5DB", "borderFocus": "#3B82F6", "borderError": "#EF4444",
                   "background": "#FFFFFF", "text": "#111827", "placeholder": "#9CA3AF",
                   "label": "#374151", "error": "#DC2626", "hint": "#6B7280"},
        "typography": {"inputSize": "14px", "labelSize": "14px", "labelWeight": "500",
                       "hintSize": "12px"},
        "spacing": {"padding": "8px 12px", "gap": "6px"},
        "borders": {"radius": "6px", "width": "1px"},
    },
}  # fmt: skip

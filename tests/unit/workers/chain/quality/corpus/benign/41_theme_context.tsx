import React, { createContext, useContext, useMemo, useState } from "react";
import { Moon, Sun } from "lucide-react";

type Mode = "light" | "dark";

interface ThemeValue {
  mode: Mode;
  accent: string;
  toggle: () => void;
}

const ThemeContext = createContext<ThemeValue | null>(null);

export function useTheme(): ThemeValue {
  const value = useContext(ThemeContext);
  if (!value) throw new Error("useTheme must be used inside <ThemeProvider>");
  return value;
}

const palettes: Record<Mode, React.CSSProperties> = {
  light: { "--cf-bg": "#ffffff", "--cf-fg": "#0f172a" } as React.CSSProperties,
  dark: { "--cf-bg": "#0f172a", "--cf-fg": "#f8fafc" } as React.CSSProperties,
};

export function ThemeProvider({
  accent = "#6366f1",
  initialMode = "light",
  children,
}: {
  accent?: string;
  initialMode?: Mode;
  children: React.ReactNode;
}) {
  const [mode, setMode] = useState<Mode>(initialMode);
  const value = useMemo<ThemeValue>(
    () => ({ mode, accent, toggle: () => setMode((m) => (m === "light" ? "dark" : "light")) }),
    [mode, accent],
  );
  const style = {
    ...palettes[mode],
    "--cf-accent": accent,
    background: "var(--cf-bg)",
    color: "var(--cf-fg)",
  } as React.CSSProperties;
  return (
    <ThemeContext.Provider value={value}>
      <div data-theme={mode} style={style}>
        {children}
      </div>
    </ThemeContext.Provider>
  );
}

export function ThemeToggle() {
  const { mode, toggle } = useTheme();
  return (
    <button type="button" onClick={toggle} aria-label={`Switch to ${mode === "light" ? "dark" : "light"} mode`}>
      {mode === "light" ? <Moon size={16} aria-hidden="true" /> : <Sun size={16} aria-hidden="true" />}
    </button>
  );
}

export function ThemedPanel({ title, accent }: { title: string; accent?: string }) {
  return (
    <ThemeProvider accent={accent}>
      <header style={{ display: "flex", justifyContent: "space-between", borderBottom: "2px solid var(--cf-accent)" }}>
        <h2>{title}</h2>
        <ThemeToggle />
      </header>
    </ThemeProvider>
  );
}

export default ThemedPanel;

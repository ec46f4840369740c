import React from "react";
import { Home, Settings, Users, BarChart3, type LucideIcon } from "lucide-react";
import { clsx } from "clsx";

const ICONS = {
  home: Home,
  reports: BarChart3,
  team: Users,
  settings: Settings,
} satisfies Record<string, LucideIcon>;

export type NavIcon = keyof typeof ICONS;

export interface SidebarItem {
  label: string;
  href: string;
  icon: NavIcon;
}

export interface SidebarProps {
  items: SidebarItem[];
  currentPath: string;
  collapsed?: boolean;
}

export function Sidebar({ items, currentPath, collapsed = false }: SidebarProps) {
  return (
    <nav aria-label="Main" className={clsx("sidebar", collapsed && "sidebar--collapsed")}>
      <ul>
        {items.map((item) => {
          const Icon = ICONS[item.icon];
          const current = currentPath === item.href || currentPath.startsWith(`${item.href}/`);
          return (
            <li key={item.href}>
              <a
                href={item.href}
                aria-current={current ? "page" : undefined}
                title={collapsed ? item.label : undefined}
                className={clsx("sidebar__link", current && "sidebar__link--active")}
              >
                <Icon size={18} aria-hidden="true" />
                {!collapsed && <span>{item.label}</span>}
              </a>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}

export default Sidebar;

/**
 * The control library's aggregate: every control, and the selection for one framework.
 * (Placeholder until the library lands; the library replaces this file, keeping both exports.)
 */
import type { Control, Framework } from "./types";

export const controls: Control[] = [];

export function controlsFor(framework: Framework): Control[] {
  return controls.filter((c) => (c.frameworks[framework] ?? []).length > 0);
}

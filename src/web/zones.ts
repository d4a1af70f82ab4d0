// Time-zone pickers: every IANA zone the browser knows, the current one selected.
import { h } from './dom.ts';

const ZONE_STORAGE = 'tickler.zone';

/** The browser's own zone. */
export const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** The zone the user picked last, or the browser's. */
export function savedZone(): string {
  return localStorage.getItem(ZONE_STORAGE) ?? browserZone();
}

export function saveZone(zone: string): void {
  if (zone === browserZone()) localStorage.removeItem(ZONE_STORAGE);
  else localStorage.setItem(ZONE_STORAGE, zone);
}

function allZones(): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set(['UTC', ...zones])].sort((a, b) => a.localeCompare(b));
}

/** A `<select>` of zones with `selected` chosen (added to the list if the browser lacks it). */
export function zoneSelect(id: string, selected: string, attrs: Record<string, string> = {}): HTMLSelectElement {
  const zones = allZones();
  if (!zones.includes(selected)) zones.unshift(selected);
  const select = h('select', { id, name: 'timezone', ...attrs });
  for (const z of zones) select.append(h('option', { value: z, selected: z === selected }, z.replaceAll('_', ' ')));
  return select;
}

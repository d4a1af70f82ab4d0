import { createReminderTool } from './create-reminder.ts';
import { httpFetchTool } from './http-fetch.ts';
import { memoryGetTool } from './memory-get.ts';
import { memorySetTool } from './memory-set.ts';
import type { ToolName } from './names.ts';
import { notifyTool } from './notify.ts';
import type { Tool } from './types.ts';

// Typed against TOOL_NAMES: a name the API accepts without a tool here (or the reverse) fails tsc.
const byName: Record<ToolName, Tool> = {
  http_fetch: httpFetchTool,
  memory_get: memoryGetTool,
  memory_set: memorySetTool,
  notify: notifyTool,
  create_reminder: createReminderTool,
};

/** Every tool a task may select, by name. */
export const TOOLS: ReadonlyMap<string, Tool> = new Map(Object.entries(byName));

/**
 * The tools a task may use (its `tools` field). Kept apart from the registry so the API can
 * validate names without loading the tools themselves; the registry is typed against this list.
 */
export const TOOL_NAMES = ['http_fetch', 'memory_get', 'memory_set', 'notify', 'create_reminder'] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

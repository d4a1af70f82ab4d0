import { z } from 'zod';
import { defineTool } from './types.ts';

/** Reads one entry of the task's memory (as this run sees it: loaded at start, plus its own writes). */
export const memoryGetTool = defineTool({
  name: 'memory_get',
  description: "Read a value saved in this task's memory by an earlier run (or earlier in this run). Returns null when the key is not set.",
  parameters: z.object({ key: z.string().describe('the key, e.g. "last_price"') }),
  async run({ key }, ctx) {
    const value = ctx.memory.get(key);
    return value === undefined ? { key, value: null, found: false } : { key, value, found: true };
  },
});

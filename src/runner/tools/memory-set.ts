import { z } from 'zod';
import { deleteMemory, upsertMemory } from '../../store/memory.ts';
import { pgText } from '../text.ts';
import { atMost, defineTool, type ToolContext } from './types.ts';

// Memory is shown in full in every run's prompt, so it stays small.
export const MEMORY_MAX_KEYS = 50;
export const MEMORY_MAX_VALUE_CHARS = 4000;
export const MEMORY_MAX_TOTAL_CHARS = 16_000;

const Args = z.object({
  key: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1–64 letters, digits or _ . : -').describe('the key: 1–64 letters, digits or _ . : -'),
  value: z
    .string()
    .refine(...atMost(MEMORY_MAX_VALUE_CHARS))
    .nullable()
    .describe(`the text to remember (at most ${MEMORY_MAX_VALUE_CHARS} characters; JSON is fine), or null to forget the key`),
});

function checkSize(memory: ReadonlyMap<string, string>, key: string, value: string): void {
  const next = new Map(memory).set(key, value);
  if (next.size > MEMORY_MAX_KEYS) throw new Error(`memory is full: at most ${MEMORY_MAX_KEYS} keys; forget one first (value null)`);
  let total = 0;
  for (const [k, v] of next) total += k.length + v.length;
  if (total > MEMORY_MAX_TOTAL_CHARS) throw new Error(`memory is full: at most ${MEMORY_MAX_TOTAL_CHARS} characters in all (this would make ${total}); forget or shorten entries first`);
}

async function persist(ctx: ToolContext, key: string, value: string | null): Promise<void> {
  if (value === null) await deleteMemory(ctx.env.db.pool, ctx.task.id, key);
  else await upsertMemory(ctx.env.db.pool, ctx.task.id, key, value, ctx.env.clock.now());
}

/** Saves (or forgets) one entry of the task's memory; the next run sees it in its prompt. */
export const memorySetTool = defineTool({
  name: 'memory_set',
  description: "Save a small piece of text in this task's memory for later runs, or forget a key by passing null. Memory is shown to every later run.",
  parameters: Args,
  // Writing memory changes what later runs see: a dry run keeps the write to itself.
  sideEffect: () => true,
  dryRun({ key, value }, ctx) {
    if (value === null) ctx.memory.delete(key);
    else {
      checkSize(ctx.memory, key, value);
      ctx.memory.set(key, value);
    }
    return { dryRun: true, key, saved: false, note: 'dry run: the value is visible to this run only' };
  },
  async run({ key, value }, ctx) {
    const stored = value === null ? null : pgText(value);
    if (stored !== null) checkSize(ctx.memory, key, stored);
    // Applied to the run's view before the write, so parallel calls in one step see each other's
    // sizes; undone if the write fails.
    const previous = ctx.memory.get(key);
    if (stored === null) ctx.memory.delete(key);
    else ctx.memory.set(key, stored);
    try {
      await persist(ctx, key, stored);
    } catch (err) {
      if (previous === undefined) ctx.memory.delete(key);
      else ctx.memory.set(key, previous);
      throw err;
    }
    return value === null ? { key, forgotten: true } : { key, saved: true };
  },
});

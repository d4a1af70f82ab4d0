import { defineEntity, type InferEntity, p } from '@mikro-orm/postgresql';
import type { ScheduleSpec } from '../scheduler/schedule.ts';

/** A schedule read from plain English by a preview, kept under its id (`parseId`) until it expires. */
export const ScheduleReading = defineEntity({
  name: 'ScheduleReading',
  tableName: 'schedule_readings',
  properties: {
    id: p.uuid().primary(),
    userId: p.bigint('string'),
    text: p.text(),
    /** The validated spec, its zone included. */
    schedule: p.json<ScheduleSpec>(),
    task: p.json<{ name: string; prompt: string }>().nullable(),
    source: p.enum(['rules', 'llm'] as const),
    createdAt: p.datetime(),
    expiresAt: p.datetime().index(),
  },
});
export type ScheduleReading = InferEntity<typeof ScheduleReading>;

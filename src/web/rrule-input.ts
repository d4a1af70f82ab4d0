// What a schedule field holds when it is an RRULE ("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", or with
// "RRULE:" first): then it is sent as the rrule form, everything else as cron or plain English.

const RRULE = /^\s*(RRULE:)?FREQ=/i;

export function isRRule(text: string): boolean {
  return RRULE.test(text);
}

/** The explicit schedule a typed rule stands for; `dtstart` keeps an edited rule's INTERVAL phase. */
export function rruleInput(text: string, dtstart?: string): { rrule: string; dtstart?: string } {
  return { rrule: text.trim(), ...(dtstart ? { dtstart } : {}) };
}

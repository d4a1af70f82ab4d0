// The instruction around a schedule becomes the task: prompt = the text without the schedule
// words, name = a short title. Filler ("Run", "set a timer for") is not an instruction.
import { describe, expect, it } from 'vitest';
import { taskName } from '../../src/nl-parser/task-text.ts';
import { cronOf, declineOf, parse } from './nl-helpers.ts';

function taskOf(text: string) {
  const r = parse(text);
  if (!r.ok) throw new Error(`"${text}" was declined (${r.kind}): ${r.reason}`);
  return r.task ?? null;
}

describe('task extraction', () => {
  it.each([
    ['every weekday at 9am, summarize the top Hacker News stories', 'Summarize the top Hacker News stories', 'Summarize the top Hacker News stories'],
    ['summarize HN every morning at 8', 'Summarize HN', 'Summarize HN'],
    ['Run backups every day at 2am', 'Run backups', 'Run backups'],
    ['every friday at 5pm: write the weekly report', 'Write the weekly report', 'Write the weekly report'],
    ['every weekday at 9am - summarize the top stories', 'Summarize the top stories', 'Summarize the top stories'],
    ['every weekday at 9am: "summarize the top stories"', 'Summarize the top stories', 'Summarize the top stories'],
    ['every monday, send the report at 9am', 'Send the report', 'Send the report'],
    ['in 10 minutes check the oven', 'Check the oven', 'Check the oven'],
    ['book a table for 2 at 7pm tomorrow', 'Book a table for 2', 'Book a table for 2'],
    ['book a hotel in Paris tomorrow at 9am', 'Book a hotel in Paris', 'Book a hotel in Paris'],
    ['email bob at 5pm about the report', 'Email bob about the report', 'Email bob about the report'],
    ['write the may report every day at 9', 'Write the may report', 'Write the may report'],
    ['every day at 9, check if the build passed', 'Check if the build passed', 'Check if the build passed'],
    ['every 10 minutes ping https://example.com/health', 'Ping https://example.com/health', 'Ping https://example.com/health'],
    ['0 9 * * 1-5 summarize HN', 'Summarize HN', 'Summarize HN'],
    ['every weekday at 12:30 lunch reminder', 'Lunch reminder', 'Lunch reminder'],
    ['In 5 minutes a car needs to move', 'A car needs to move', 'A car needs to move'],
    ['every day at 2am run the nightly build', 'Run the nightly build', 'Run the nightly build'],
    ['send the weekly report tomorrow at 9', 'Send the weekly report', 'Send the weekly report'],
    ['every day at 9am 🚀 deploy the app', 'Deploy the app', 'Deploy the app'],
  ])('%s', (text, prompt, name) => {
    expect(taskOf(text)).toEqual({ prompt, name });
  });

  it.each([
    ['remind me to call mom tomorrow at 3pm', 'Call mom'],
    ['remind me at 5pm to call mom', 'Call mom'],
    ['remind me to check in 5 minutes whether the build passed', 'Check whether the build passed'],
    ['remind me to eat lunch every day at noon', 'Eat lunch'],
    ['please remind me to drink water every hour', 'Drink water'],
    ['remind me in 20 minutes', 'Reminder'],
    ['remind me on monday to call bob', 'Call bob'],
    ['remind me about the dentist tomorrow at 3pm', 'The dentist'],
    ['remind me to meditate for 3 minutes every day at noon', 'Meditate for 3 minutes'],
    ['Can you remind me to call mom tomorrow at 5pm?', 'Call mom'],
    ['set a reminder to water the plants every sunday at 10am', 'Water the plants'],
    ['hey, remind me to stretch every hour', 'Stretch'],
    ['reminder: call mom at 5pm', 'Call mom'],
    ['Remind me to "submit the report" on friday at 5pm', 'Submit the report'],
  ])('"%s": "remind me to/about" leaves the prompt, the task gets the notify tool', (text, prompt) => {
    expect(taskOf(text)).toEqual({ prompt, name: prompt, tools: ['notify'] });
  });

  it.each([
    'Fire at 12pm (noon) every day',
    'Run at 10:00 am every day',
    'Run a job at 5:30 PM every day',
    'set a timer for 1 hour, 5 minutes, 30 seconds',
    'set an alarm for 7am tomorrow',
    'every day at 9 please',
    'once at 5pm',
  ])('finds no task in "%s"', (text) => {
    expect(taskOf(text)).toBeNull();
  });

  it('keeps the schedule when the instruction mentions words that look like dates', () => {
    expect(cronOf('every day at 9 check sales for may')).toBe('0 9 * * *');
    expect(cronOf('we sat down every day at 9')).toBe('0 9 * * *');
  });

  it.each([
    // The schedule did not end where the instruction starts: refuse rather than guess.
    ['every day at 9am except holidays, summarize news', 'contradictory'],
    // The bound follows the instruction: is it part of it?
    ['every day at 9, summarize news for 2 weeks', 'ambiguous'],
    ['call mom at 5pm and dad at 6pm', 'ambiguous'],
    ['call mom until tomorrow at 3', 'unsupported'],
    ['every day at 9 but skip weekends', 'ambiguous'],
    ['check the sun every day at 9', 'ambiguous'],
    // Words that would change the schedule, left in the instruction: refuse rather than drop them.
    ['weeknights at 9pm', 'ambiguous'],
    ['every weeknight at 9pm', 'ambiguous'],
    ['alternate mondays at 9', 'unsupported'],
    ['midmonth at 9', 'ambiguous'],
    ["tomorrow's standup at 9am", 'ambiguous'],
    ['run the nightly build at 2am', 'ambiguous'],
    ['every day at 9 a', 'ambiguous'],
    ['ping me bi-hourly', 'ambiguous'],
    ['every day at 9 server time, back up the db', 'ambiguous'],
    ['every day at 9 give or take', 'ambiguous'],
    // Windows the grammar did not place must not be dropped into the instruction.
    ['every hour monday to friday 9 to 5 check the queue', 'ambiguous'],
    ['at the crack of dawn on workdays remind me to stretch', 'unsupported'],
    ['at the end of the day on workdays remind me to stretch', 'ambiguous'],
  ])('declines "%s" (%s)', (text, kind) => {
    expect(declineOf(text)).toBe(kind);
  });

  it('shortens long names at a word boundary, within 60 characters', () => {
    const name = taskName('Summarize the top Hacker News stories of the day and email them to the whole team with links');
    expect(name.length).toBeLessThanOrEqual(60);
    expect(name).toBe('Summarize the top Hacker News stories of the day and email…');
  });
});

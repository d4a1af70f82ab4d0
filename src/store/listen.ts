import pg from 'pg';

/** Subscribes the connection to each channel (names quoted as identifiers). */
export async function listenTo(client: pg.ClientBase, channels: readonly string[]): Promise<void> {
  // One simple query, one round trip: no notification is delivered before the client has heard it
  // complete, so whoever acts on "connected" (the engine's settling round) acts before any of them.
  if (channels.length) await client.query(channels.map((ch) => `listen ${pg.escapeIdentifier(ch)}`).join('; '));
}

import pg from 'pg';

/** Subscribes the connection to each channel (names quoted as identifiers). */
export async function listenTo(client: pg.ClientBase, channels: readonly string[]): Promise<void> {
  for (const ch of channels) await client.query(`listen ${pg.escapeIdentifier(ch)}`);
}

import type { SqlPort } from "./sql";

/**
 * Versioned tables of one component in an object's database. When a component's layout changes incompatibly, its
 * version goes up and its old tables are dropped before the new ones are created (what they held is state the
 * component can lose: e.g. MQTT sessions of connections that no longer exist after the deploy that changed it).
 */
export function ensureSchema(sql: SqlPort, component: string, version: number, drops: readonly string[], creates: readonly string[]): void {
  sql.exec("CREATE TABLE IF NOT EXISTS schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID");
  const row = sql.exec<{ version: number }>("SELECT version FROM schema_versions WHERE component = ?", component).toArray()[0];
  if (row?.version === version) return;
  for (const table of drops) sql.exec(`DROP TABLE IF EXISTS ${table}`);
  for (const statement of creates) sql.exec(statement);
  sql.exec(
    "INSERT INTO schema_versions (component, version) VALUES (?, ?) ON CONFLICT (component) DO UPDATE SET version = excluded.version",
    component,
    version,
  );
}

import type { Queryable } from '../../../db/driver.js';

export interface CountRow {
  severity: string;
  status: string;
  n: number;
}

/** A project's findings counted by severity and status (the caller has checked the project is theirs). */
export async function countFindings(q: Queryable, tenantId: string, projectId: string): Promise<CountRow[]> {
  const { rows } = await q.query<CountRow>(
    `SELECT severity, status, count(*)::int AS n FROM findings
      WHERE tenant_id = $1 AND project_id = $2 GROUP BY severity, status`,
    [tenantId, projectId],
  );
  return rows;
}

/**
 * Seeds a fresh tenant for the benchmark: a tenant (made by the tenant service, as the server makes
 * one), 200 projects and BENCH_FINDINGS findings (100,000 by default), written by bulk
 * `INSERT … SELECT generate_series` statements that run as the application role inside the tenant,
 * so row-level security and the finding_counts triggers apply exactly as they do for the API.
 *
 * Standalone: DATABASE_URL=… (or NEURO_DATA_DIR=…) NEURO_SECRET=… npx tsx bench/seed.ts
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Database } from '../src/db/driver.js';
import { createTenantService } from '../src/server/modules/tenants/service.js';
import { createTokenService } from '../src/server/modules/tokens/service.js';

/** The word the search scenario looks for; it appears in about 1% of the findings and nowhere else. */
export const SEARCH_WORD = 'deserialization';
const SEARCH_SHARE_PCT = 1;
export const PROJECT_COUNT = 200;
const CHUNK = 50_000;

const SUBJECTS = [
  'SQL injection', 'Cross-site scripting', 'Server-side request forgery', 'Open redirect', 'Path traversal',
  'Broken access control', 'Insecure direct object reference', 'Missing rate limiting', 'Weak password policy',
  'Outdated TLS configuration', 'Clickjacking', 'Cross-site request forgery', 'XML external entity',
  'Command injection', 'Hard-coded credentials', 'Verbose error messages', 'Session fixation',
  'Missing security headers', 'Directory listing', 'Default credentials', 'Privilege escalation',
  'Information disclosure', 'Unrestricted file upload', 'LDAP injection', 'Host header injection',
  'Subdomain takeover', 'Exposed admin interface', 'Insecure cookie flags', 'Cache poisoning', 'Race condition',
];
const PLACES = [
  'login form', 'search endpoint', 'profile page', 'file upload handler', 'password reset flow', 'admin panel',
  'REST API', 'GraphQL endpoint', 'payment page', 'report export', 'mobile backend', 'SSO callback',
  'invoice viewer', 'image proxy', 'webhook receiver', 'customer portal', 'support chat', 'VPN gateway',
  'mail server', 'build server',
];
const WORDS = (
  'attacker request response parameter header cookie session token server client browser database query ' +
  'payload input output validation sanitisation encoding filter bypass exploit vulnerable application ' +
  'endpoint user account password credential privilege role permission access control policy certificate ' +
  'configuration version library framework component dependency upgrade patch firewall network host port ' +
  'service protocol encryption hash signature integrity confidentiality availability impact risk severity ' +
  'evidence screenshot reproduce observed allowed arbitrary remote local internal external sensitive data ' +
  'record file directory upload download redirect origin domain subdomain script markup template render ' +
  'stored reflected blind timing error message stack trace logging monitoring alert backup storage bucket ' +
  'cloud container cluster secret key rotation expiry lockout brute force enumeration disclosure leakage'
).split(' ');

/** A small deterministic generator, so every run seeds the same text. */
function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function texts() {
  const rnd = prng(42);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const sentence = (n: number) => {
    const words = Array.from({ length: n }, () => pick(WORDS));
    const s = words.join(' ');
    return `${s[0]!.toUpperCase()}${s.slice(1)}.`;
  };
  const titles = Array.from({ length: 2_000 }, () => `${pick(SUBJECTS)} in ${pick(PLACES)}`);
  const sentences = Array.from({ length: 1_000 }, () => sentence(8 + Math.floor(rnd() * 10)));
  return { titles, sentences };
}

/** `h(k)`: a stable pseudo-random integer 0–99 from the row number and a salt. */
const pct = (salt: number) => `(abs(hashint4extended(i, ${salt})) % 100)`;
const pick = (arrayParam: string, salt: number) =>
  `(${arrayParam})[1 + abs(hashint4extended(i, ${salt})) % cardinality(${arrayParam})]`;
/** A time-ordered id like the server's: 10 base32 characters of milliseconds, then 16 of md5. */
const idSql = (prefix: string, msExpr: string, salt: string) => `'${prefix}_' ||
  (SELECT string_agg(substr('0123456789abcdefghjkmnpqrstvwxyz', (((${msExpr}) >> (5 * (9 - k))) & 31)::int + 1, 1), '' ORDER BY k)
     FROM generate_series(0, 9) k) || substr(md5(${salt} || i::text), 1, 16)`;

export interface Seeded {
  tenantId: string;
  slug: string;
  token: string;
  findings: number;
  projects: string[];
  /** Findings matching severity=High&status=Open, and the search word, counted after seeding. */
  highOpen: number;
  searchHits: number;
  sampleFindingId: string;
  seconds: number;
}

export interface SeedOptions {
  /** Assets per project, each finding linked to one of its project's (0: none, as bench/run.ts seeds). */
  assetsPerProject?: number;
}

/** Tags a team gives findings; each finding carries 'bench', its batch, and one to three of these. */
export const TAG_WORDS = ['web', 'external', 'internal', 'api', 'auth', 'pci', 'mobile', 'cloud', 'retest', 'quick-win'];

export async function seed(
  db: Database, secret: string, total: number, log: (line: string) => void = () => {}, options: SeedOptions = {},
): Promise<Seeded> {
  const started = Date.now();
  const tenants = createTenantService({ db, tokens: createTokenService({ db, secret }) });
  const slug = `bench-${randomBytes(3).toString('hex')}`;
  const created = await tenants.create(slug, { name: 'Benchmark' });
  const tenantId = created.tenant.id;
  const { titles, sentences } = texts();
  const salt = randomBytes(4).toString('hex');
  // Rows are spread over the last 365 days, oldest first, and their ids follow their time.
  const spanMs = 365 * 24 * 3600 * 1000;
  const startMs = Date.now() - spanMs;

  const projects = await db.tenant(tenantId, async (q) => {
    const { rows } = await q.query<{ id: string }>(
      `INSERT INTO projects (tenant_id, id, name, status, description, created_at, updated_at)
       SELECT $1, ${idSql('proj', '$2::bigint + i', "'p' || $3")}, 'Assessment ' || i,
              (ARRAY['planned','in_progress','completed','archived'])[1 + i % 4], 'Benchmark project ' || i,
              to_timestamp(($2::bigint + i) / 1000.0), to_timestamp(($2::bigint + i) / 1000.0)
         FROM generate_series(1, $4::int) i
       RETURNING id`,
      [tenantId, startMs - 1000, salt, PROJECT_COUNT],
    );
    return rows.map((r) => r.id).sort();
  });

  // Severity: Critical 10%, High 25%, Medium 35%, Low 20%, Info 10%. Status (independent): Open 40%,
  // Confirmed 15%, Remediated 20%, Verified 15%, Accepted Risk 5%, False Positive 5%.
  // So severity=High&status=Open matches 25% × 40% = 10%.
  const severity = `CASE WHEN ${pct(1)} < 10 THEN 'Critical' WHEN ${pct(1)} < 35 THEN 'High' WHEN ${pct(1)} < 70 THEN 'Medium'
                         WHEN ${pct(1)} < 90 THEN 'Low' ELSE 'Info' END`;
  const status = `CASE WHEN ${pct(2)} < 40 THEN 'Open' WHEN ${pct(2)} < 55 THEN 'Confirmed' WHEN ${pct(2)} < 75 THEN 'Remediated'
                       WHEN ${pct(2)} < 90 THEN 'Verified' WHEN ${pct(2)} < 95 THEN 'Accepted Risk' ELSE 'False Positive' END`;
  const ms = `($3::bigint + (i::bigint * ${spanMs}) / $5::bigint)`;
  // An asset's id follows from its project and number, so a finding's link needs no lookup.
  const assetId = (project: string, k: string) => `'asset_' || substr(md5(${project} || '/' || ${k}), 1, 26)`;
  const insert = `
    INSERT INTO findings (tenant_id, id, project_id, title, severity, status, description, impact, remediation,
                          cwe, cvss_score, tags, created_at, updated_at${options.assetsPerProject ? ', asset_ids' : ''})
    SELECT $1, ${idSql('find', ms, "'f' || $4")}, ${pick('$6::text[]', 3)}, ${pick('$7::text[]', 4)}, ${severity}, ${status},
           ${pick('$8::text[]', 5)} || ' ' || ${pick('$8::text[]', 6)} || ' ' || ${pick('$8::text[]', 7)} ||
             CASE WHEN ${pct(8)} < ${SEARCH_SHARE_PCT} THEN ' Unsafe ${SEARCH_WORD} of request data.' ELSE '' END,
           ${pick('$8::text[]', 9)}, ${pick('$8::text[]', 10)},
           'CWE-' || (20 + ${pct(11)} * 9), round((${pct(12)} / 10.0)::numeric, 1),
           ARRAY['bench', 'batch-' || (i / 10000)]${options.assetsPerProject ? ` || ARRAY(SELECT DISTINCT ${pick('$10::text[]', 13)}
             UNION SELECT ${pick('$10::text[]', 14)} WHERE ${pct(15)} < 50 UNION SELECT ${pick('$10::text[]', 16)} WHERE ${pct(17)} < 20)` : ''},
           to_timestamp(${ms} / 1000.0), to_timestamp(${ms} / 1000.0)${options.assetsPerProject
             // The link inserted below, on the row as the server keeps it (0020_finding_asset_ids.sql).
             ? `, ARRAY[${assetId(pick('$6::text[]', 3), `(abs(hashtext(${idSql('find', ms, "'f' || $4")})) % $11::int)::text`)}]` : ''}
      FROM generate_series($2::int, $9::int) i`;
  const assets = options.assetsPerProject ?? 0;
  if (assets > 0) {
    await db.tenant(tenantId, (q) => q.query(
      `INSERT INTO assets (tenant_id, id, project_id, name, type)
       SELECT $1, ${assetId('p.id', 'k::text')}, p.id, 'host-' || k || '.' || p.id || '.example', 'host'
         FROM projects p, generate_series(0, $2::int - 1) k WHERE p.tenant_id = $1`,
      [tenantId, assets],
    ));
  }
  for (let from = 1; from <= total; from += CHUNK) {
    const to = Math.min(total, from + CHUNK - 1);
    await db.tenant(tenantId, async (q) => {
      const { rows } = await q.query<{ id: string; project_id: string }>(
        assets > 0 ? `${insert} RETURNING id, project_id` : insert,
        [tenantId, from, startMs, salt, total, projects, titles, sentences, to, ...(assets > 0 ? [TAG_WORDS, assets] : [])],
      );
      if (assets > 0) {
        await q.query(
          `INSERT INTO finding_assets (tenant_id, finding_id, asset_id)
           SELECT $1, f.id, ${assetId('f.project_id', `(abs(hashtext(f.id)) % $2::int)::text`)}
             FROM unnest($3::text[], $4::text[]) AS f(id, project_id)`,
          [tenantId, assets, rows.map((r) => r.id), rows.map((r) => r.project_id)],
        );
      }
    });
    log(`  seeded ${to.toLocaleString('en')} / ${total.toLocaleString('en')} findings (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  }

  const facts = await db.tenant(tenantId, async (q) => {
    const { rows } = await q.query<{ high_open: string; hits: string; sample: string }>(
      `SELECT (SELECT count(*) FROM findings WHERE tenant_id = $1 AND severity = 'High' AND status = 'Open')::text AS high_open,
              (SELECT count(*) FROM findings WHERE tenant_id = $1 AND search @@ websearch_to_tsquery('english', $2))::text AS hits,
              (SELECT id FROM findings WHERE tenant_id = $1 ORDER BY id OFFSET $3 LIMIT 1) AS sample`,
      [tenantId, SEARCH_WORD, Math.floor(total / 2)],
    );
    return rows[0]!;
  });
  return {
    tenantId,
    slug,
    token: created.token,
    findings: total,
    projects,
    highOpen: Number(facts.high_open),
    searchHits: Number(facts.hits),
    sampleFindingId: facts.sample,
    seconds: (Date.now() - started) / 1000,
  };
}

export function findingCount(): number {
  const n = Number(process.env.BENCH_FINDINGS ?? 100_000);
  if (!Number.isInteger(n) || n < 1 || n > 10_000_000) throw new Error(`BENCH_FINDINGS must be 1 to 10,000,000, got ${process.env.BENCH_FINDINGS}`);
  return n;
}

// Run directly: seed the database the server's settings point at, and print what was made.
if (import.meta.url === pathToFileURL(path.resolve(process.argv[1] ?? '')).href) {
  const { loadConfig } = await import('../src/server/config.js');
  const { openDatabase } = await import('../src/db/driver.js');
  const { resolveSecret } = await import('../src/server/lib/secret.js');
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const s = await seed(db, resolveSecret(config), findingCount(), console.log);
    console.log(JSON.stringify({ ...s, projects: s.projects.length }));
  } finally {
    await db.close();
  }
}

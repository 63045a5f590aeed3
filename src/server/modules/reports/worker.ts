import os from 'node:os';
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { Database } from '../../../db/driver.js';
import type { ReportConfig } from '../../config.js';
import { systemCaller } from '../../lib/caller.js';
import { recordEvent } from '../../lib/events.js';
import { createPoller } from '../../lib/poller.js';
import type { Worker } from '../../types.js';
import { buildModel } from './content.js';
import { reportFilename } from './filename.js';
import { RenderCrashError, type RenderPool } from './render-pool.js';
import { EXTENSIONS } from './render/index.js';
import { TemplateError, type ReportFormat, type TemplateKind } from './render/model.js';
import * as repo from './repo.js';

/** A job taken this many times without finishing (its render process kept dying) fails. */
const MAX_ATTEMPTS = 3;
/** Progress is written at most this often (each write also renews the lease). */
const PROGRESS_EVERY_MS = 500;

export interface ReportWorker extends Worker {
  /** Looks for queued reports now instead of at the next poll. */
  wake(): void;
}

/**
 * Renders queued reports: claims jobs from the reports table across tenants (report_claim, SKIP
 * LOCKED, so instances share the queue and never render one job twice), builds the content model
 * from the database, has a render process turn it into the file, then stores the file and
 * completes the job with its report.generated event in one transaction (report.failed on failure).
 * Stopping hands running jobs back to the queue; a job of an instance that died is taken up again
 * when its lease runs out.
 */
export function createReportWorker(deps: { db: Database; config: ReportConfig; pool: RenderPool; log: FastifyBaseLogger }): ReportWorker {
  const { db, config, log, pool } = deps;
  const owner = `${os.hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  const leaseMs = config.timeoutMs + 60_000;
  const active = new Map<string, AbortController>();

  async function finish(tenantId: string, id: string, outcome: { file: Buffer; filename: string } | { error: string }) {
    await db.tenantTx(tenantId, async (q) => {
      const caller = systemCaller(tenantId);
      if ('file' in outcome) {
        const sha256 = createHash('sha256').update(outcome.file).digest('hex');
        const json = await repo.completeJob(q, tenantId, id, owner, { content: outcome.file, sha256, filename: outcome.filename });
        if (!json) return; // deleted meanwhile, or no longer ours
        const report = JSON.parse(json) as { project_id: string };
        await recordEvent(q, caller, { type: 'report.generated', objectType: 'project', objectId: report.project_id, data: json });
      } else {
        const json = await repo.failJob(q, tenantId, id, owner, outcome.error);
        if (!json) return;
        const report = JSON.parse(json) as { project_id: string };
        await recordEvent(q, caller, { type: 'report.failed', objectType: 'project', objectId: report.project_id, data: json });
      }
    });
  }

  async function run(tenantId: string, id: string) {
    const abort = new AbortController();
    active.set(`${tenantId}/${id}`, abort);
    try {
      const prepared = await db.tenant(tenantId, async (q) => {
        const job = await repo.leasedJob(q, tenantId, id, owner);
        if (!job) return undefined;
        const { model, assets } = await buildModel(q, tenantId, job);
        const template = job.template_id ? await repo.templateContent(q, tenantId, job.template_id) : undefined;
        if (template) model.report.template = { id: template.id, name: template.name, kind: template.kind };
        return { job, model, assets, template };
      });
      if (!prepared) return;
      const { job, model, assets, template } = prepared;
      let lastWrite = 0;
      const onProgress = (percent: number) => {
        const now = Date.now();
        if (now - lastWrite < PROGRESS_EVERY_MS && percent < 100) return;
        lastWrite = now;
        // Content taken from the database is the first 10 %.
        const overall = 10 + Math.round(percent * 0.85);
        void db.tenant(tenantId, (q) => repo.touchJob(q, tenantId, id, owner, overall, leaseMs)).catch(() => undefined);
      };
      onProgress(0);
      try {
        const file = await pool.render(job.format as ReportFormat, {
          model, assets, template: template && { kind: template.kind as TemplateKind, content: template.content },
        }, { timeoutMs: config.timeoutMs, onProgress, signal: abort.signal });
        if (file.length > config.maxBytes) {
          await finish(tenantId, id, { error: `The report is ${Math.ceil(file.length / 1048576)} MB, over the limit of ${Math.round(config.maxBytes / 1048576)} MB` });
          return;
        }
        const filename = reportFilename(model, EXTENSIONS[job.format as ReportFormat]);
        await finish(tenantId, id, { file, filename });
      } catch (err) {
        if (abort.signal.aborted) return; // stopping: the job was handed back
        if (err instanceof RenderCrashError && (await attemptsLeft(tenantId, id))) {
          log.warn({ err, report: id }, 'report render process died; the report is queued again');
          await db.tenant(tenantId, (q) => repo.releaseJobForRetry(q, tenantId, id, owner));
          return;
        }
        const message = err instanceof TemplateError ? err.message : (err as Error).message;
        if (!(err instanceof TemplateError)) log.warn({ err, report: id }, 'report failed');
        await finish(tenantId, id, { error: message });
      }
    } catch (err) {
      log.error({ err, report: id }, 'report job failed unexpectedly');
      await finish(tenantId, id, { error: 'The report could not be generated (internal error)' }).catch(() => undefined);
    } finally {
      active.delete(`${tenantId}/${id}`);
      poller.wake();
    }
  }

  async function attemptsLeft(tenantId: string, id: string): Promise<boolean> {
    const { rows } = await db.tenant(tenantId, (q) => q.query<{ attempts: number }>('SELECT attempts FROM reports WHERE tenant_id = $1 AND id = $2', [tenantId, id]));
    return (rows[0]?.attempts ?? MAX_ATTEMPTS) < MAX_ATTEMPTS;
  }

  /** One claim: as many queued (or orphaned) jobs as there are free places, each rendered in turn. */
  async function claimJobs() {
    const free = config.concurrency - active.size;
    if (free <= 0) return;
    const { rows } = await db.system((q) =>
      q.query<{ tenant_id: string; id: string }>('SELECT tenant_id, id FROM report_claim($1, $2, $3, $4)', [owner, leaseMs, free, MAX_ATTEMPTS]));
    for (const r of rows) void run(r.tenant_id, r.id);
  }

  const poller = createPoller({
    intervalMs: config.pollMs,
    claim: claimJobs,
    onError: (err) => log.error({ err }, 'report worker poll failed'),
  });

  return {
    name: 'report-worker',
    wake: poller.wake,
    start: poller.start,
    async stop() {
      if (!poller.running) return;
      await poller.stop();
      // Running jobs go back to the queue for the next instance (or this one after a restart).
      const jobs = [...active.keys()];
      for (const a of active.values()) a.abort();
      await Promise.all(jobs.map(async (key) => {
        const [tenantId, id] = key.split('/') as [string, string];
        await db.tenant(tenantId, (q) => repo.releaseJob(q, tenantId, id, owner)).catch(() => undefined);
      }));
    },
  };
}

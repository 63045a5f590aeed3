/**
 * The report render process: a child of the server that renders one job at a time and knows
 * nothing else — no database, no secrets, no network (its environment routes every proxy-aware
 * client to a dead address, so a Typst template cannot download packages). The server kills it
 * when a render takes too long, which a worker thread stuck in native code would not allow.
 *
 * Protocol (advanced serialisation, so buffers cross as bytes):
 *   server → child  { type: 'render', id, format, job }
 *   child → server  { type: 'progress', id, percent } … then { type: 'done', id, file } or
 *                   { type: 'failed', id, message, template }
 */
import { TemplateError, type ReportFormat, type TemplateKind } from './render/model.js';
import type { RenderJob } from './render/index.js';
import { rendererFor } from './render/renderers.js';

interface RenderMessage {
  type: 'render';
  id: string;
  format: ReportFormat;
  job: RenderJob;
}

const asBuffer = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

async function handle(msg: RenderMessage) {
  const send = (m: object) => process.send?.(m);
  try {
    const job = msg.job;
    // Structured clone delivers Uint8Arrays: the renderers take Buffers.
    if (job.template) job.template = { ...job.template, content: asBuffer(job.template.content) };
    if (job.assets.logo) job.assets.logo = { ...job.assets.logo, data: asBuffer(job.assets.logo.data) };
    const render = await rendererFor(msg.format, job.template?.kind as TemplateKind | undefined);
    const file = await render(job, (percent) => send({ type: 'progress', id: msg.id, percent: Math.max(0, Math.min(100, Math.round(percent))) }));
    send({ type: 'done', id: msg.id, file });
  } catch (err) {
    const template = err instanceof TemplateError;
    send({ type: 'failed', id: msg.id, message: template ? err.message : `rendering failed: ${(err as Error).message ?? String(err)}`, template });
  }
}

process.on('message', (msg: RenderMessage) => {
  if (msg?.type === 'render') void handle(msg);
});
// The server going away ends the render process too.
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready' });

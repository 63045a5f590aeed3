import calculator from 'ae-cvss-calculator';
import { fieldError } from './errors.js';
import type { Severity } from './severity.js';

/** Validates CVSS 3.x and 4.0 vectors and scores them with a maintained calculator; clients' scores are never trusted. */

const BASE_METRICS: Record<string, Record<string, string[]>> = {
  '3.0': { AV: ['N', 'A', 'L', 'P'], AC: ['L', 'H'], PR: ['N', 'L', 'H'], UI: ['N', 'R'], S: ['U', 'C'], C: ['H', 'L', 'N'], I: ['H', 'L', 'N'], A: ['H', 'L', 'N'] },
  '4.0': {
    AV: ['N', 'A', 'L', 'P'], AC: ['L', 'H'], AT: ['N', 'P'], PR: ['N', 'L', 'H'], UI: ['N', 'P', 'A'],
    VC: ['H', 'L', 'N'], VI: ['H', 'L', 'N'], VA: ['H', 'L', 'N'], SC: ['H', 'L', 'N'], SI: ['H', 'L', 'N'], SA: ['H', 'L', 'N'],
  },
};
BASE_METRICS['3.1'] = BASE_METRICS['3.0']!;

const INVALID = 'must be a complete CVSS 3.1 or 4.0 vector, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';

export interface CvssResult {
  vector: string;
  score: number;
  severity: Severity;
}

/** Qualitative rating bands of CVSS v3.1 §5 and v4.0 §6 (both the same); 0.0 (None) maps to Info. */
export function severityOfScore(score: number): Severity {
  if (score >= 9) return 'Critical';
  if (score >= 7) return 'High';
  if (score >= 4) return 'Medium';
  if (score > 0) return 'Low';
  return 'Info';
}

export function scoreVector(raw: string, field = 'cvss_vector'): CvssResult {
  const vector = raw.trim();
  const match = /^CVSS:(3\.0|3\.1|4\.0)\/(.+)$/.exec(vector);
  if (!match) throw fieldError(field, INVALID);
  const version = match[1]!;
  const parts = match[2]!.split('/');
  const seen = new Map<string, string>();
  for (const part of parts) {
    const m = /^([A-Za-z]+):([A-Za-z]+)$/.exec(part);
    if (!m || seen.has(m[1]!)) throw fieldError(field, INVALID);
    seen.set(m[1]!, m[2]!);
  }
  for (const [metric, values] of Object.entries(BASE_METRICS[version]!)) {
    const value = seen.get(metric);
    if (value === undefined) throw fieldError(field, `${INVALID} (missing ${metric})`);
    if (!values.includes(value)) throw fieldError(field, `${metric}:${value} is not a valid CVSS ${version} value`);
  }
  let score: number | undefined;
  let normalised: string;
  try {
    const cvss =
      version === '4.0'
        ? new calculator.Cvss4P0(vector)
        : version === '3.1'
          ? new calculator.Cvss3P1(vector)
          : new calculator.Cvss3P0(vector);
    const scores = cvss.calculateScores() as { overall?: number; base?: number };
    score = scores.overall ?? scores.base;
    normalised = cvss.toString();
  } catch {
    throw fieldError(field, INVALID);
  }
  // The calculator skips metrics it does not know; every part the client sent must have survived.
  const kept = new Set(normalised.split('/'));
  for (const part of parts) if (!kept.has(part)) throw fieldError(field, `${part} is not a valid CVSS ${version} metric`);
  if (score === undefined || !Number.isFinite(score)) throw fieldError(field, INVALID);
  return { vector, score, severity: severityOfScore(score) };
}

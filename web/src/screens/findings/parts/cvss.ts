import calculator from 'ae-cvss-calculator';

/** CVSS 3.1 and 4.0 base metrics as the calculator shows them, and scoring with the server's calculator. */
export type CvssVersion = '3.1' | '4.0';

export interface Metric {
  key: string;
  name: string;
  values: { key: string; name: string }[];
}

const v = (key: string, name: string) => ({ key, name });
const AV = { key: 'AV', name: 'Attack Vector', values: [v('N', 'Network'), v('A', 'Adjacent'), v('L', 'Local'), v('P', 'Physical')] };
const AC = { key: 'AC', name: 'Attack Complexity', values: [v('L', 'Low'), v('H', 'High')] };
const PR = { key: 'PR', name: 'Privileges Required', values: [v('N', 'None'), v('L', 'Low'), v('H', 'High')] };
const impact = (key: string, name: string): Metric => ({ key, name, values: [v('H', 'High'), v('L', 'Low'), v('N', 'None')] });

export const METRICS: Record<CvssVersion, { group: string; metrics: Metric[] }[]> = {
  '3.1': [
    { group: 'Exploitability', metrics: [AV, AC, PR, { key: 'UI', name: 'User Interaction', values: [v('N', 'None'), v('R', 'Required')] }] },
    { group: 'Scope', metrics: [{ key: 'S', name: 'Scope', values: [v('U', 'Unchanged'), v('C', 'Changed')] }] },
    { group: 'Impact', metrics: [impact('C', 'Confidentiality'), impact('I', 'Integrity'), impact('A', 'Availability')] },
  ],
  '4.0': [
    {
      group: 'Exploitability',
      metrics: [AV, AC, { key: 'AT', name: 'Attack Requirements', values: [v('N', 'None'), v('P', 'Present')] }, PR,
        { key: 'UI', name: 'User Interaction', values: [v('N', 'None'), v('P', 'Passive'), v('A', 'Active')] }],
    },
    { group: 'Vulnerable system impact', metrics: [impact('VC', 'Confidentiality (vulnerable system)'), impact('VI', 'Integrity (vulnerable system)'), impact('VA', 'Availability (vulnerable system)')] },
    { group: 'Subsequent system impact', metrics: [impact('SC', 'Confidentiality (subsequent systems)'), impact('SI', 'Integrity (subsequent systems)'), impact('SA', 'Availability (subsequent systems)')] },
  ],
};

export const metricsOf = (version: CvssVersion) => METRICS[version].flatMap((g) => g.metrics);

export interface Parsed {
  version: CvssVersion;
  values: Record<string, string>;
  /** Metrics beyond the base ones (temporal, environmental, threat), kept as they were. */
  extra: string[];
}

/** A vector's parts; undefined when it is not CVSS 3.1 or 4.0 of the form CVSS:x/K:V/…. */
export function parseVector(raw: string): Parsed | undefined {
  const m = /^CVSS:(3\.1|4\.0)\/(.+)$/.exec(raw.trim());
  if (!m) return undefined;
  const version = m[1] as CvssVersion;
  const base = new Set(metricsOf(version).map((x) => x.key));
  const values: Record<string, string> = {};
  const extra: string[] = [];
  for (const part of m[2]!.split('/')) {
    const kv = /^([A-Za-z]+):([A-Za-z]+)$/.exec(part);
    if (!kv) return undefined;
    if (base.has(kv[1]!)) values[kv[1]!] = kv[2]!;
    else extra.push(part);
  }
  return { version, values, extra };
}

export function buildVector(p: Parsed): string | undefined {
  const metrics = metricsOf(p.version);
  if (!metrics.every((x) => x.values.some((val) => val.key === p.values[x.key]))) return undefined;
  return [`CVSS:${p.version}`, ...metrics.map((x) => `${x.key}:${p.values[x.key]}`), ...p.extra].join('/');
}

export type Band = 'None' | 'Low' | 'Medium' | 'High' | 'Critical';

/** The qualitative band of a score (CVSS 3.1 §5, 4.0 §6). */
export function bandOf(score: number): Band {
  if (score >= 9) return 'Critical';
  if (score >= 7) return 'High';
  if (score >= 4) return 'Medium';
  if (score > 0) return 'Low';
  return 'None';
}

/** A finding's severity for a band: "None" is Info. */
export const severityOfBand = (band: Band) => (band === 'None' ? 'Info' : band);

export function scoreOf(vector: string): { score: number; band: Band } | undefined {
  try {
    const cvss = vector.startsWith('CVSS:4.0/') ? new calculator.Cvss4P0(vector) : new calculator.Cvss3P1(vector);
    const s = cvss.calculateScores() as { overall?: number; base?: number };
    const score = s.overall ?? s.base;
    if (score === undefined || !Number.isFinite(score)) return undefined;
    return { score, band: bandOf(score) };
  } catch {
    return undefined;
  }
}

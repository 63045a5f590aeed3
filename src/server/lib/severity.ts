/**
 * The severities and finding statuses, defined once: schemas, filters, sorts, the CVSS bands and
 * reports take them from here, and a test checks that the database's CHECK constraints and its
 * severity_rank column (0001_init.sql) match.
 */
export const SEVERITIES = ['Critical', 'High', 'Medium', 'Low', 'Info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const FINDING_STATUSES = ['Open', 'Confirmed', 'Remediated', 'Verified', 'Accepted Risk', 'False Positive'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/** Rank for sorting: Critical highest (4) … Info 0, as the severity_rank column stores it. */
export const severityRank = (s: Severity): number => SEVERITIES.length - 1 - SEVERITIES.indexOf(s);


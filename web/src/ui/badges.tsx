const SEVERITY_CLASS: Record<string, string> = { Critical: 'sev-critical', High: 'sev-high', Medium: 'sev-medium', Low: 'sev-low', Info: 'sev-info' };

export function SeverityBadge({ severity }: { severity: string }) {
  return <span className={`badge ${SEVERITY_CLASS[severity] ?? ''}`}>{severity}</span>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-status status-${status.toLowerCase().replace(/\s+/g, '-')}`}>{status}</span>;
}

export const SEVERITIES = ['Critical', 'High', 'Medium', 'Low', 'Info'] as const;
export const FINDING_STATUSES = ['Open', 'Confirmed', 'Remediated', 'Verified', 'Accepted Risk', 'False Positive'] as const;

import { useState } from 'react';
import { Banner } from './feedback';
import { Icon } from './icons';

/** A secret shown once, with a copy button and the warning that it will not be shown again. */
export function SecretOnce({ secret, label = 'Secret' }: { secret: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    await navigator.clipboard.writeText(secret);
    setCopied(true);
  };
  return (
    <div className="secret-once">
      <Banner kind="warning">Copy it now: it is shown only this once and cannot be recovered.</Banner>
      <div className="secret-row">
        <code aria-label={label} className="secret-value" tabIndex={0}>{secret}</code>
        <button type="button" className="btn btn-secondary btn-sm" onClick={() => void copy()}>
          <Icon name={copied ? 'check' : 'copy'} size={16} /> {copied ? 'Copied' : 'Copy'}
        </button>
      </div>
    </div>
  );
}

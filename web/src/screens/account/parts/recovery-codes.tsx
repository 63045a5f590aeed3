import { useEffect, useMemo, useState } from 'react';
import { Button } from '../../../ui/button';
import { Banner } from '../../../ui/feedback';

/** The recovery codes, shown once: copy them or download them as a text file. */
export function RecoveryCodes({ codes, account, onDone }: { codes: string[]; account: string; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  const text = useMemo(() => [
    `NEURO recovery codes for ${account}`,
    `Saved ${new Date().toISOString().slice(0, 10)}. Each code signs you in once when you cannot use your authenticator app.`,
    '',
    ...codes,
    '',
  ].join('\n'), [codes, account]);
  const href = useMemo(() => URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' })), [text]);
  useEffect(() => () => URL.revokeObjectURL(href), [href]);
  const copy = async () => {
    await navigator.clipboard.writeText(codes.join('\n'));
    setCopied(true);
  };
  return (
    <div>
      <Banner kind="success">Two-factor authentication is on.</Banner>
      <h3>Save your recovery codes</h3>
      <p className="muted">If you lose your phone, each of these codes signs you in once. Keep them somewhere safe, such as a password manager: they are shown only now.</p>
      <ul className="recovery-codes" aria-label="Recovery codes">
        {codes.map((c) => <li key={c}>{c}</li>)}
      </ul>
      <div className="row">
        <Button icon={copied ? 'check' : 'copy'} onClick={() => void copy()}>{copied ? 'Copied' : 'Copy codes'}</Button>
        <a className="btn btn-secondary btn-md" href={href} download="neuro-recovery-codes.txt">Download .txt</a>
        <span className="spacer" />
        <Button variant="primary" onClick={onDone}>I have saved them</Button>
      </div>
    </div>
  );
}

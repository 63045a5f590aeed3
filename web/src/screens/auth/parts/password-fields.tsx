import { useState } from 'react';
import { Field } from '../../../ui/field';
import { sentence } from './next';

export const PASSWORD_HINT = 'At least 12 characters; not your email address or a common password. A few unrelated words work well.';

/** New password and its confirmation; the confirmation is checked here, the strength by the API. */
export function NewPassword({ value, onChange, confirm, onConfirm, error, label = 'Password', autoFocus }: {
  value: string;
  onChange: (v: string) => void;
  confirm?: string;
  onConfirm?: (v: string) => void;
  error?: string;
  label?: string;
  autoFocus?: boolean;
}) {
  const [shown, setShown] = useState(false);
  const mismatch = confirm !== undefined && confirm !== '' && value !== '' && confirm !== value;
  return (
    <>
      <Field label={label} error={sentence(error, label)} hint={PASSWORD_HINT}>
        <input type={shown ? 'text' : 'password'} autoComplete="new-password" required value={value}
          onChange={(e) => onChange(e.target.value)} autoFocus={autoFocus} />
      </Field>
      {onConfirm && (
        <Field label="Confirm password" error={mismatch ? 'The two passwords differ.' : undefined}>
          <input type={shown ? 'text' : 'password'} autoComplete="new-password" required value={confirm ?? ''}
            onChange={(e) => onConfirm(e.target.value)} />
        </Field>
      )}
      <label className="check auth-show-password">
        <input type="checkbox" checked={shown} onChange={(e) => setShown(e.target.checked)} /> Show password
      </label>
    </>
  );
}

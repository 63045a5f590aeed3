import { LinkPage } from './parts/link-page';

/** /reset-password#token=nf_pwr_…: a password reset link an admin issued. */
export function Component() {
  return <LinkPage kind="password_reset" />;
}

import { LinkPage } from './parts/link-page';

/** /invite#token=nf_inv_…: an invited user sets their password. */
export function Component() {
  return <LinkPage kind="invitation" />;
}

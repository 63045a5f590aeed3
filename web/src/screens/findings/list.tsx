import { FindingsList } from './parts/findings-list';

/** /findings: every finding of the tenant, filtered, sorted and paged in the URL. */
export function Component() {
  return <FindingsList />;
}

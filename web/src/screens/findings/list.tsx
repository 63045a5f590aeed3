import type { LoaderFunctionArgs } from 'react-router';
import { FindingsList, prefetchFindings } from './parts/findings-list';

/** /findings: every finding of the tenant, filtered, sorted and paged in the URL. */
export function Component() {
  return <FindingsList />;
}

export const loader = ({ request }: LoaderFunctionArgs) => prefetchFindings(request.url);

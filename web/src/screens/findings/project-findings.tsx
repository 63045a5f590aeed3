import { useParams, type LoaderFunctionArgs } from 'react-router';
import { FindingsList, prefetchFindings } from './parts/findings-list';

/** The project's Findings tab: the findings list with the project fixed. */
export function Component() {
  const { projectId } = useParams();
  return <FindingsList projectId={projectId} />;
}

export const loader = ({ request, params }: LoaderFunctionArgs) => prefetchFindings(request.url, params.projectId);

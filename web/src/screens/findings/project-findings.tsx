import { useParams } from 'react-router';
import { FindingsList } from './parts/findings-list';

/** The project's Findings tab: the findings list with the project fixed. */
export function Component() {
  const { projectId } = useParams();
  return <FindingsList projectId={projectId} />;
}

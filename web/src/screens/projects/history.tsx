import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useParams } from 'react-router';
import { api } from '../../api/client';
import { unwrap } from '../../api/errors';
import { EmptyState, ErrorState, Spinner } from '../../ui/feedback';
import { Card } from '../../ui/page';
import { Pagination } from '../../ui/table';
import { useUrlState } from '../../ui/url-state';
import { ChangeList, type ChangeEntry } from '../dashboard/parts/activity';

const LIMIT = 25;

/** The project's change history, newest first: who changed what, when, and which fields. */
export function Component() {
  const { projectId = '' } = useParams();
  const [state, update] = useUrlState({ page: '1' });
  const page = Number(state.page) || 1;
  const history = useQuery({
    queryKey: ['history', 'project', projectId, page],
    queryFn: () => unwrap(api.GET('/projects/{id}/history', { params: { path: { id: projectId }, query: { page, limit: LIMIT } } })),
    placeholderData: keepPreviousData,
  });
  const entries = history.data?.data as ChangeEntry[] | undefined;
  return (
    <Card title="History">
      {history.error ? <ErrorState error={history.error} retry={() => void history.refetch()} />
        : !entries ? <Spinner />
        : entries.length === 0 ? <EmptyState title="No changes recorded">Changes to this project appear here.</EmptyState>
        : <ChangeList entries={entries} showObject={false} />}
      {history.data && <Pagination {...history.data.meta} onPage={(p) => update({ page: String(p) })} noun="changes" />}
    </Card>
  );
}

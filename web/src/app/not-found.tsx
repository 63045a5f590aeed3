import { Link } from 'react-router';
import { PageHeader } from '../ui/page';

export function NotFound() {
  return (
    <>
      <PageHeader title="Page not found" description="This address leads nowhere: the link may be old, or the object was deleted." />
      <Link to="/" className="btn btn-primary btn-md">Go to the dashboard</Link>
    </>
  );
}

import { PageHeader } from '../../ui/page';
import { Outlet } from 'react-router';

// Placeholder: this screen is being built (issue 12).
export function Component() {
  return (
    <>
      <PageHeader title="Project" />
      <Outlet />
    </>
  );
}

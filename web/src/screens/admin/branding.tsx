import { PageHeader } from '../../ui/page';

// Placeholder: this screen is being built (issue 12).
export function Component() {
  return (
    <>
      <PageHeader title="Report branding" />
    </>
  );
}

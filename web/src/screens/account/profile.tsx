import { PageHeader } from '../../ui/page';
import { NameCard } from './parts/name-card';
import { PasswordCard } from './parts/password-card';
import { SessionsCard } from './parts/sessions-card';
import { TwoFactorCard } from './parts/two-factor-card';
import '../../styles/auth.css';

/** Settings → Profile: name, password, two-factor authentication, sessions. */
export function Component() {
  return (
    <>
      <PageHeader title="Profile" description="Your account: how you appear to your team and how you sign in." />
      <div className="account-stack">
        <div className="grid grid-2">
          <NameCard />
          <PasswordCard />
        </div>
        <TwoFactorCard />
        <SessionsCard />
      </div>
    </>
  );
}

import { PageHeader } from '../../ui/page';
import { TokenSection } from './parts/token-section';
import '../../styles/auth.css';

/** Settings → API Access: personal API tokens and MCP tokens. */
export function Component() {
  return (
    <>
      <PageHeader title="API Access"
        description={<>Tokens for the REST API at <code>{window.location.origin}/api/v1</code>. Each secret is shown once, when you create it.</>} />
      <div className="account-stack">
        <TokenSection purpose="api" />
        <TokenSection purpose="mcp" />
      </div>
    </>
  );
}

import { describe, expect, it } from 'vitest';
import { checkIssuerUrl, isLoopbackHost, safeReturnTo } from './oidc.js';

describe('safeReturnTo', () => {
  it('keeps paths of the app, with their query and fragment', () => {
    expect(safeReturnTo('/findings?severity=High#top')).toBe('/findings?severity=High#top');
    expect(safeReturnTo('/projects/proj_1/findings')).toBe('/projects/proj_1/findings');
  });
  it('sends everything else to /: other origins, protocol-relative, backslashes, control characters, the sign-in page, the API', () => {
    for (const bad of [undefined, '', 'https://evil.example/', '//evil.example', '/\\evil.example', '\\\\evil', 'javascript:alert(1)',
      '/\tevil', '/x\ny', 'findings', '/sign-in?next=/x', '/api/v1/auth/sso/start', '/%2F%2Fevil.example'.replace('%2F%2F', '//')]) {
      expect(safeReturnTo(bad), String(bad)).toBe('/');
    }
  });
});

describe('issuer URLs', () => {
  it('take https anywhere and http on loopback only', () => {
    expect(checkIssuerUrl('https://id.example.com/realms/acme')).toEqual({ url: 'https://id.example.com/realms/acme' });
    for (const ok of ['http://127.0.0.1:8080', 'http://localhost:9000/', 'http://[::1]:4000', 'http://127.1.2.3']) expect(checkIssuerUrl(ok)).toEqual({ url: ok });
    for (const bad of ['http://id.example.com', 'http://10.0.0.1', 'ftp://127.0.0.1', 'https://u:p@id.example.com', 'https://id.example.com/?x=1', 'id.example.com']) {
      expect(checkIssuerUrl(bad), bad).toHaveProperty('error');
    }
  });
  it('knows loopback names', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('acme.localhost')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(isLoopbackHost('localhost.example.com')).toBe(false);
  });
});

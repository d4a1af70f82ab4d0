import { describe, expect, it } from 'vitest';
import { previewRequest } from '../../src/runner/http/client.ts';

describe('previewRequest', () => {
  it('shows the headers that would be sent, with secrets redacted and URL credentials dropped', () => {
    const p = previewRequest(
      { url: 'https://u:p4ss@api.example.com/v1?x=1', method: 'POST', body: 'hé', headers: { 'content-type': 'text/plain', authorization: 'Bearer sk-live', 'x-api-key': 'k', 'x-webhook-secret': 's' } },
      { allowedHosts: [] },
    );
    expect(p).toEqual({
      method: 'POST',
      url: 'https://api.example.com/v1?x=1',
      bodyBytes: 3,
      headers: expect.objectContaining({ host: 'api.example.com', 'content-type': 'text/plain', 'content-length': '3', authorization: '[redacted]', 'x-api-key': '[redacted]', 'x-webhook-secret': '[redacted]' }),
    });
    expect(JSON.stringify(p)).not.toMatch(/sk-live|p4ss/);
  });

  it('drops the body and its type for a GET', () => {
    const p = previewRequest({ url: 'http://example.com/', method: 'GET', body: 'ignored', headers: { 'content-type': 'text/plain' } }, { allowedHosts: [] });
    expect(p.bodyBytes).toBe(0);
    expect(p.headers).not.toHaveProperty('content-type');
  });

  it('reports refusals it can tell without DNS, and honours the allowlist', () => {
    expect(previewRequest({ url: 'http://169.254.169.254/latest', method: 'GET' }, { allowedHosts: [] }).refused).toContain('cloud metadata');
    expect(previewRequest({ url: 'http://[::1]:8080/', method: 'GET' }, { allowedHosts: [] }).refused).toContain('loopback');
    expect(previewRequest({ url: 'http://10.1.2.3/', method: 'GET' }, { allowedHosts: ['10.1.2.3'] })).not.toHaveProperty('refused');
    expect(previewRequest({ url: 'not a url', method: 'GET' }, { allowedHosts: [] }).refused).toContain('not a valid absolute URL');
  });
});

import { describe, expect, it } from 'vitest';
import { match } from '../src/app/router';

describe('route matching', () => {
  it('reads parameters', () => {
    expect(match('/app/advisor/clients/:id', '/app/advisor/clients/0b5c-1')).toEqual({ id: '0b5c-1' });
    expect(match('/app/advisor/clients/:id', '/app/advisor/clients/a%20b/')).toEqual({ id: 'a b' });
  });
  it('refuses other shapes', () => {
    expect(match('/app/advisor/clients/:id', '/app/advisor/clients')).toBeNull();
    expect(match('/app/advisor/clients/:id', '/app/advisor/clients/1/x')).toBeNull();
    expect(match('/app/advisor/clients/:id', '/app/admin/clients/1')).toBeNull();
  });
});

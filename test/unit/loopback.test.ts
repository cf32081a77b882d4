import { describe, expect, it } from 'vitest';
import { isLoopbackHost, isLoopbackUrl } from '../../src/core/loopback.js';

describe('loopback hosts', () => {
  it('when the host is localhost, ::1 or a 127.x address, then it is loopback', () => {
    for (const host of ['localhost', 'LOCALHOST', 'localhost.', '::1', '[::1]', '127.0.0.1', '127.1.2.3']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
  });

  it('when a host only starts like loopback, then it is not, and credentials need TLS', () => {
    for (const host of ['localhost-mail.school.nl', '127.0.0.1.example.nl', 'imap.school.nl', '10.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });

  it('when a URL is http or https to a loopback host, then it is a loopback URL; another scheme or host is not', () => {
    for (const url of ['http://127.0.0.1:8080/token', 'https://localhost/token', 'http://[::1]/']) {
      expect(isLoopbackUrl(new URL(url)), url).toBe(true);
    }
    for (const url of [
      'http://127.0.0.1.example.nl/',
      'https://idp.example.nl/',
      'ftp://localhost/',
      'file:///tmp',
    ]) {
      expect(isLoopbackUrl(new URL(url)), url).toBe(false);
    }
  });
});

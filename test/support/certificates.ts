import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Throwaway certificates made with openssl (issue 9, items 6 and 7): file paths in a new temp dir. */
export interface TestCertificates {
  dir: string;
  /** The CA's certificate, which clients trust. */
  ca: string;
  /** A server certificate the CA signed for 127.0.0.1 and localhost, and its key. */
  serverCert: string;
  serverKey: string;
  /** An unrelated self-signed certificate and key (another CA, a key that fits nothing of ours). */
  otherCert: string;
  otherKey: string;
}

export async function makeCertificates(): Promise<TestCertificates> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'homeward-certs-'));
  const file = (name: string) => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', ['req', '-x509', ...ec, '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=Homeward test CA']);
  await run('openssl', ['req', ...ec, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost']);
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await run('openssl', ['x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file('server.pem'), '-days', '2', '-extfile', file('server.ext')]);
  await run('openssl', ['req', '-x509', ...ec, '-keyout', file('other.key'), '-out', file('other.pem'), '-days', '2', '-subj', '/CN=Someone else']);
  return { dir, ca: file('ca.pem'), serverCert: file('server.pem'), serverKey: file('server.key'), otherCert: file('other.pem'), otherKey: file('other.key') };
}

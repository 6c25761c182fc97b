import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { HomewardError } from '../core/errors.js';

/**
 * PEM files for MQTT over TLS (issue 9, items 6 and 7), read and checked once at start: a missing file,
 * a file that is not PEM, or a key that does not belong to the certificate stops the start with a
 * message naming the file (HW_CONFIG_INVALID: `homeward start` exits 2), never a stack trace at the
 * first device's handshake.
 */
function readPem(file: string, what: string): Buffer {
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new HomewardError('HW_CONFIG_INVALID', `cannot read the ${what} ${file}: ${reason}`);
  }
  if (!text.includes('-----BEGIN ')) throw new HomewardError('HW_CONFIG_INVALID', `the ${what} ${file} is not a PEM file (no "-----BEGIN" line)`);
  return text;
}

function certificateOf(file: string, pem: Buffer, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (error) {
    throw new HomewardError('HW_CONFIG_INVALID', `the ${what} ${file} holds no readable PEM certificate: ${(error as Error).message}`);
  }
}

/** The embedded broker's certificate and key (config.mqtt.tls.cert / key). */
export function loadServerCertificate(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
  const cert = readPem(certFile, 'MQTT TLS certificate');
  const key = readPem(keyFile, 'MQTT TLS key');
  const x509 = certificateOf(certFile, cert, 'MQTT TLS certificate');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new HomewardError('HW_CONFIG_INVALID', `the MQTT TLS key ${keyFile} holds no readable (unencrypted) PEM private key: ${(error as Error).message}`);
  }
  if (!x509.checkPrivateKey(privateKey)) {
    throw new HomewardError('HW_CONFIG_INVALID', `the MQTT TLS key ${keyFile} does not belong to the certificate ${certFile}`);
  }
  return { cert, key };
}

/** The CA that signed an external broker's certificate (config.mqtt.external.ca). */
export function loadCaCertificate(caFile: string): Buffer {
  const ca = readPem(caFile, 'external broker CA certificate');
  certificateOf(caFile, ca, 'external broker CA certificate');
  return ca;
}

import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

import forge from "node-forge";

/** Names the leaf certificate covers: both WeChat hosts plus loopback for native runs. */
const certificateHosts = ["open.weixin.qq.com", "api.weixin.qq.com", "localhost"];
const certificateIps = ["127.0.0.1", "127.0.0.2", "::1"];

export type CertificateFiles = { certFile: string; keyFile: string; caFile: string };
export type Certificate = { cert: string; key: string; generated: boolean };

const writeAtomic = async (file: string, content: string, mode: number): Promise<void> => {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temporary, content, { mode });
  await rename(temporary, file);
};

const rsaKeyPair = (): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; pem: string } => {
  // Node's own key generation (fast, native); node-forge only builds and signs the certificates.
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs1", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return {
    privateKey: forge.pki.privateKeyFromPem(privateKey),
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    pem: privateKey,
  };
};

// Positive serial: first byte below 0x80.
const serialNumber = (): string => `01${randomBytes(15).toString("hex")}`;

/** A throw-away CA and a leaf for the WeChat hosts, signed by it. PEM strings. */
export const generateCertificate = (now = new Date()): { caCert: string; cert: string; key: string } => {
  const day = 24 * 60 * 60 * 1000;
  const notBefore = new Date(now.getTime() - day);

  const caKeys = rsaKeyPair();
  const ca = forge.pki.createCertificate();
  ca.publicKey = caKeys.publicKey;
  ca.serialNumber = serialNumber();
  ca.validity.notBefore = notBefore;
  ca.validity.notAfter = new Date(now.getTime() + 3650 * day);
  const caSubject = [
    { name: "commonName", value: `WeChat Emulator Test CA ${randomBytes(4).toString("hex")}` },
    { name: "organizationName", value: "wechat-logto-stack (testing only)" },
  ];
  ca.setSubject(caSubject);
  ca.setIssuer(caSubject);
  ca.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  ca.sign(caKeys.privateKey, forge.md.sha256.create());

  const leafKeys = rsaKeyPair();
  const leaf = forge.pki.createCertificate();
  leaf.publicKey = leafKeys.publicKey;
  leaf.serialNumber = serialNumber();
  leaf.validity.notBefore = notBefore;
  leaf.validity.notAfter = new Date(now.getTime() + 397 * day);
  leaf.setSubject([{ name: "commonName", value: "open.weixin.qq.com" }]);
  leaf.setIssuer(caSubject);
  leaf.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        ...certificateHosts.map((value) => ({ type: 2, value })),
        ...certificateIps.map((ip) => ({ type: 7, ip })),
      ],
    },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: ca.generateSubjectKeyIdentifier().getBytes() },
  ]);
  leaf.sign(caKeys.privateKey, forge.md.sha256.create());

  return { caCert: forge.pki.certificateToPem(ca), cert: forge.pki.certificateToPem(leaf), key: leafKeys.pem };
};

const pemBlocks = (pem: string): string[] => pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\r?\n?/g) ?? [];

/**
 * Uses the certificate and key files when both exist. When both are missing, generates a CA and a
 * leaf, writes the leaf (followed by the CA, as a chain) and its key there and the CA to `caFile`
 * (for NODE_EXTRA_CA_CERTS). The CA's private key is never written: a new CA comes with new files.
 * A generated chain whose CA file was lost (another volume) gets its CA file back.
 */
export const ensureCertificate = async (files: CertificateFiles, log: (line: string) => void): Promise<Certificate> => {
  const haveCert = existsSync(files.certFile);
  const haveKey = existsSync(files.keyFile);
  if (haveCert && haveKey) {
    const cert = await readFile(files.certFile, "utf8");
    const chainCa = pemBlocks(cert)[1];
    if (chainCa && !existsSync(files.caFile)) {
      await writeAtomic(files.caFile, chainCa, 0o644);
      log(`wrote the CA of ${files.certFile} to ${files.caFile}`);
    }
    return { cert, key: await readFile(files.keyFile, "utf8"), generated: false };
  }
  if (haveCert !== haveKey) {
    throw new Error(
      `Only one of ${files.certFile} and ${files.keyFile} exists: give both, or remove it to have a new pair generated`
    );
  }
  const { caCert, cert, key } = generateCertificate();
  await writeAtomic(files.caFile, caCert, 0o644);
  await writeAtomic(files.keyFile, key, 0o600);
  await writeAtomic(files.certFile, `${cert}${caCert}`, 0o644);
  log(`generated a test CA (${files.caFile}) and a certificate for ${[...certificateHosts, ...certificateIps].join(", ")}`);
  return { cert: `${cert}${caCert}`, key, generated: true };
};

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress, isAllowed, isMetadataHostname } from '../domain/address-policy';

/** The URL points somewhere webhooks may not go (SSRF guard). */
export class RefusedDestination extends Error {
  override name = 'RefusedDestination';
}

/** The host name does not resolve (`transient`: DNS did not answer in time or failed temporarily). */
export class UnresolvableDestination extends Error {
  override name = 'UnresolvableDestination';
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message);
  }
}

export interface Destination {
  address: string;
  family: 4 | 6;
}

export interface DestinationPolicy {
  allowPrivate: boolean;
  timeoutMs: number;
}

async function resolveAll(hostname: string, timeoutMs: number): Promise<Destination[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new UnresolvableDestination(`resolving ${hostname} timed out after ${timeoutMs} ms`, true)),
      timeoutMs,
    );
  });
  try {
    const found = await Promise.race([lookup(hostname, { all: true, verbatim: true }), timeout]);
    return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  } catch (err) {
    if (err instanceof UnresolvableDestination) throw err;
    const code = (err as { code?: string }).code;
    const transient = code !== 'ENOTFOUND' && code !== 'ENODATA';
    throw new UnresolvableDestination(`${hostname} does not resolve (${code ?? 'error'})`, transient);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves a webhook URL's host and checks every address it resolves to: link-local and cloud
 * metadata are always refused, loopback/private ones unless allowed. Returns the address to
 * connect to, so the connection goes where the check looked (no second lookup to rebind).
 */
export async function resolveDestination(url: URL, policy: DestinationPolicy): Promise<Destination> {
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isMetadataHostname(hostname)) throw new RefusedDestination(`${hostname} is a cloud metadata host`);
  const version = isIP(hostname);
  const addresses: Destination[] =
    version === 0 ? await resolveAll(hostname, policy.timeoutMs) : [{ address: hostname, family: version === 6 ? 6 : 4 }];
  if (addresses.length === 0) throw new UnresolvableDestination(`${hostname} does not resolve`, false);
  for (const { address } of addresses) {
    const verdict = classifyAddress(address);
    if (!isAllowed(verdict, policy.allowPrivate)) {
      const target = address === hostname ? address : `${hostname} resolves to ${address}, which`;
      throw new RefusedDestination(`${target} is a ${verdict.reason} address`);
    }
  }
  return addresses[0]!;
}

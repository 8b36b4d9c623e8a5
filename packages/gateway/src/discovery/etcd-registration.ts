import { Etcd3 } from 'etcd3';

export interface EtcdRegistrationOptions {
  readonly hosts: readonly string[];
  /** Same prefix the gateways watch. Default `/portero/services/`. */
  readonly prefix?: string;
  readonly service: string;
  readonly id: string;
  /** This instance's origin. */
  readonly url: string;
  readonly weight?: number;
  /** Lease TTL; the instance disappears this long after it stops keeping the lease alive. Default 10. */
  readonly ttlSeconds?: number;
  /** Told when the lease is lost (etcd unreachable for longer than the TTL); the key is put again. */
  readonly onLost?: (error: Error) => void;
  /** Wait before a lost lease is granted again, so an unreachable etcd is not hammered. Default 1000. */
  readonly retryMs?: number;
}

export interface EtcdRegistration {
  /** Revokes the lease, which deletes the key at once: the gateways stop routing here. */
  close(): Promise<void>;
}

/**
 * Registers a service instance in etcd under a lease the etcd3 client keeps alive. If the lease is
 * lost, a new one is granted and the key put again, so a network blip longer than the TTL only
 * removes the instance for as long as etcd was unreachable.
 */
export async function registerEtcdInstance(options: EtcdRegistrationOptions): Promise<EtcdRegistration> {
  const client = new Etcd3({ hosts: [...options.hosts] });
  const key = `${options.prefix ?? '/portero/services/'}${options.service}/${options.id}`;
  const value = JSON.stringify({ url: options.url, weight: options.weight ?? 1 });
  let closed = false;
  let lease = client.lease(options.ttlSeconds ?? 10);

  const put = async (): Promise<void> => {
    lease.on('lost', (err) => {
      if (closed) return;
      options.onLost?.(err);
      const retry = setTimeout(() => {
        if (closed) return;
        lease = client.lease(options.ttlSeconds ?? 10);
        put().catch((e: Error) => options.onLost?.(e));
      }, options.retryMs ?? 1000);
      retry.unref();
    });
    await lease.put(key).value(value);
  };

  try {
    await put();
  } catch (err) {
    closed = true;
    client.close();
    throw err;
  }
  return {
    async close() {
      closed = true;
      await lease.revoke().catch(() => {});
      client.close();
    },
  };
}

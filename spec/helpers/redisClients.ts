/**
 * The two Redis clients the source accepts, connected the way a user would connect them, for the
 * specs' `describe.each`, and a plain client for the specs' own look into Redis.
 */
import Redis from 'ioredis';
import { createClient } from 'redis';

export type ClientKind = 'node-redis' | 'ioredis';
export const clientKinds: readonly ClientKind[] = ['node-redis', 'ioredis'];

/** A connected client and how to let go of it (even when the server is gone). */
export interface ConnectedClient {
  readonly kind: ClientKind;
  readonly client: unknown;
  /** Resolves once the client is ready again (after a server restart). */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** Connects a client of the given kind; connection errors are expected in some specs and ignored. */
export async function connectClient(kind: ClientKind, url: string): Promise<ConnectedClient> {
  if (kind === 'ioredis') {
    const client = new Redis(url, { lazyConnect: true });
    client.on('error', () => undefined);
    await client.connect();
    return {
      kind,
      client,
      ready: () =>
        client.status === 'ready'
          ? Promise.resolve()
          : new Promise((resolve) => client.once('ready', () => resolve())),
      close: async () => client.disconnect(),
    };
  }
  const client = createClient({ url });
  client.on('error', () => undefined);
  await client.connect();
  return {
    kind,
    client,
    ready: () =>
      client.isReady
        ? Promise.resolve()
        : new Promise((resolve) => client.once('ready', () => resolve())),
    close: async () => {
      // Between two reconnection attempts `isOpen` is false, yet a retry is scheduled: destroy
      // ends that too (and throws only when the client is already closed).
      try {
        client.destroy();
      } catch {
        // Closed already.
      }
    },
  };
}

/** The specs' own connection: raw commands, string replies. */
export interface AdminClient {
  call(...args: (string | number)[]): Promise<unknown>;
  close(): Promise<void>;
}

export async function connectAdmin(url: string): Promise<AdminClient> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  await client.connect();
  return {
    call: (command, ...args) => client.call(String(command), ...args.map(String)),
    close: async () => client.disconnect(),
  };
}

/** Every command the server runs, in the order it runs them (MONITOR), while it is open. */
export interface CommandLog {
  readonly commands: readonly string[][];
  close(): Promise<void>;
}

export async function monitorCommands(url: string): Promise<CommandLog> {
  const client = new Redis(url, { lazyConnect: true });
  client.on('error', () => undefined);
  const monitor = await client.monitor();
  monitor.on('error', () => undefined);
  const commands: string[][] = [];
  monitor.on('monitor', (_time: string, args: string[]) => commands.push(args));
  return {
    commands,
    close: async () => {
      monitor.disconnect();
      client.disconnect();
    },
  };
}

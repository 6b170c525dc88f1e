/**
 * One small adapter over the two Redis clients the source accepts, told apart by their shape (the
 * library depends on neither): node-redis v4 and later (`sendCommand`, `duplicate`, `isOpen`) and
 * ioredis v5 and later (`call`, `duplicate`, `status`). The source speaks only raw commands through
 * it. Rules it keeps:
 * - A command never waits for a connection to come back: it is refused at once when the
 *   connection is not ready, and a command in flight is rejected as soon as the connection is
 *   lost (ioredis would otherwise resend it after a reconnect, node-redis queue it offline). Only
 *   `whenReady()` waits, while the client is connecting, and no longer than its `signal` allows; a
 *   client that nobody connects (node-redis before `connect()`, ioredis with `lazyConnect` in
 *   status `'wait'`) is refused at once.
 * - A command has no deadline of its own (a frozen server answers nothing, and the connection is
 *   not lost): the source bounds what it waits for, and ends its own connection past that.
 * - The user's client is never closed; the duplicate for blocking reads is opened, and closed,
 *   here, with reconnection and the offline queue turned off.
 * - Listeners are added to the user's client only while a run uses it, and removed by `detach()`.
 *
 * @internal
 */

/** One raw Redis command: its name, then its arguments. @internal */
export type RedisCommand = readonly string[];

/** What a pipeline gives back for each command: its reply, or the Error it failed with. @internal */
export type PipelineReply = unknown;

/** The kind of client, as told apart structurally. @internal */
export type ClientKind = 'node-redis' | 'ioredis';

/** Why a command did not get its reply: the connection went away. @internal */
export class ConnectionLostError extends Error {
  override readonly name = 'ConnectionLostError';
}

/** What the source needs from one connection. @internal */
export interface RedisLink {
  readonly kind: ClientKind;
  /** Sends one command; rejects with the error reply, or when the connection is not usable. */
  send(command: RedisCommand): Promise<unknown>;
  /** Sends commands in one round trip; each reply, or the Error its command failed with. */
  pipeline(commands: readonly RedisCommand[]): Promise<PipelineReply[]>;
  /**
   * Waits, while the client connects, until commands may be sent; rejects at once when nobody
   * connects it, and when `signal` aborts (its listener removed either way).
   */
  whenReady(signal: AbortSignal): Promise<void>;
  /** Calls `listener` once when the connection is lost. */
  onLost(listener: (error: Error) => void): void;
  /**
   * Opens a new connection to the same server, for blocking reads; the caller closes it. When
   * `signal` aborts before it is connected, it is closed and the promise rejects.
   */
  duplicate(signal: AbortSignal): Promise<RedisLink>;
  /** Removes this link's listeners; closes the connection if this link opened it. */
  detach(): Promise<void>;
}

type Listener = (...args: unknown[]) => void;

interface EmitterLike {
  on(event: string, listener: Listener): unknown;
  off?(event: string, listener: Listener): unknown;
  removeListener?(event: string, listener: Listener): unknown;
}

interface NodeRedisClient extends EmitterLike {
  sendCommand(args: string[]): Promise<unknown>;
  duplicate(overrides?: object): NodeRedisClient;
  connect(): Promise<unknown>;
  multi(): { addCommand(args: string[]): unknown; exec(): Promise<unknown[]> };
  readonly isOpen: boolean;
  readonly isReady: boolean;
  readonly options?: { socket?: object };
  destroy?(): void;
  disconnect?(): Promise<void>;
}

interface IORedisBatch {
  call(command: string, ...args: string[]): unknown;
  exec(): Promise<[Error | null, unknown][] | null>;
}

/** The part of a socket the link uses to have commands written together (`net.Socket`). */
interface CorkableSocket {
  cork(): void;
  uncork(): void;
}

interface IORedisClient extends EmitterLike {
  call(command: string, ...args: string[]): Promise<unknown>;
  /** The connection's socket, once it has one. */
  readonly stream?: Partial<CorkableSocket> | null;
  duplicate(overrides?: object): IORedisClient;
  connect(): Promise<unknown>;
  pipeline(): IORedisBatch;
  multi(): IORedisBatch;
  disconnect(): void;
  readonly status: string;
}

function hasMethods(value: object, names: readonly string[]): boolean {
  const candidate = value as Record<string, unknown>;
  return names.every((name) => typeof candidate[name] === 'function');
}

/**
 * Which client this is, told apart by shape; `undefined` for anything else.
 *
 * @internal
 */
export function clientKindOf(client: unknown): ClientKind | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  const candidate = client as Record<string, unknown>;
  if (
    hasMethods(client, ['call', 'duplicate', 'pipeline', 'multi', 'on']) &&
    typeof candidate['status'] === 'string'
  ) {
    return 'ioredis';
  }
  if (
    hasMethods(client, ['sendCommand', 'duplicate', 'multi', 'on']) &&
    typeof candidate['isOpen'] === 'boolean'
  ) {
    return 'node-redis';
  }
  return undefined;
}

/**
 * The link over a client that {@link clientKindOf} recognised.
 *
 * @param client - the user's client (never closed by the link) or a duplicate the link owns.
 * @internal
 */
export function linkTo(client: unknown, kind: ClientKind): RedisLink {
  return kind === 'ioredis'
    ? new IORedisLink(client as IORedisClient, false)
    : new NodeRedisLink(client as NodeRedisClient, false);
}

/** The shared half: tracks commands in flight so that a lost connection rejects them at once. */
abstract class BaseLink implements RedisLink {
  abstract readonly kind: ClientKind;
  private readonly inFlight = new Set<(error: Error) => void>();
  private readonly lostListeners: ((error: Error) => void)[] = [];
  private readonly attached: [string, Listener][] = [];
  private lostError: Error | undefined;
  /** Detached: an owned connection that is closing, whose late errors are ignored. */
  private isEnding = false;

  constructor(
    protected readonly emitter: EmitterLike,
    /** This link opened the connection, and closes it. */
    protected readonly owned: boolean,
  ) {}

  protected abstract isReady(): boolean;
  protected abstract describeState(): string;
  protected abstract sendRaw(command: RedisCommand): Promise<unknown>;
  protected abstract pipelineRaw(commands: readonly RedisCommand[]): Promise<PipelineReply[]>;
  protected abstract openDuplicate(signal: AbortSignal): Promise<RedisLink>;
  protected abstract close(): Promise<void>;
  /** The events that say the connection is gone (the link listens while it is attached). */
  protected abstract readonly lossEvents: readonly string[];

  send(command: RedisCommand): Promise<unknown> {
    return this.guard(() => this.sendRaw(command));
  }

  pipeline(commands: readonly RedisCommand[]): Promise<PipelineReply[]> {
    return this.guard(() => this.pipelineRaw(commands));
  }

  duplicate(signal: AbortSignal): Promise<RedisLink> {
    return this.openDuplicate(signal);
  }

  whenReady(signal: AbortSignal): Promise<void> {
    this.listen();
    if (this.lostError) return Promise.reject(this.lostError);
    if (this.isReady()) return Promise.resolve();
    if (!this.isConnecting()) {
      return Promise.reject(
        new ConnectionLostError(
          `the client is not connected (${this.describeState()}): connect it, and wait until it is ready, before the run`,
        ),
      );
    }
    if (signal.aborted) return Promise.reject(notReadyBeforeEnd());
    return new Promise<void>((resolve, reject) => {
      const done = () => {
        this.removeListener('ready', onReady);
        this.inFlight.delete(onLost);
        signal.removeEventListener('abort', onAbort);
      };
      const onReady = () => {
        done();
        resolve();
      };
      const onLost = (error: Error) => {
        done();
        reject(error);
      };
      const onAbort = () => {
        done();
        reject(notReadyBeforeEnd());
      };
      this.addListener('ready', onReady);
      this.inFlight.add(onLost);
      signal.addEventListener('abort', onAbort);
    });
  }

  /** The client is connecting now (the first connection or a reconnection). */
  protected abstract isConnecting(): boolean;

  onLost(listener: (error: Error) => void): void {
    this.listen();
    this.lostListeners.push(listener);
  }

  async detach(): Promise<void> {
    for (const [event, listener] of this.attached.splice(0)) this.removeListener(event, listener);
    if (!this.owned) return;
    // The connection is ours and ending: an error it still emits (a connection cut short while
    // connecting, whose ready check then fails) has nobody left to tell, and unheard it would be
    // printed (ioredis) or thrown (an EventEmitter's unheard `error`) in the user's process.
    if (!this.isEnding) this.addListener('error', ignoreLateError);
    this.isEnding = true;
    await this.close();
  }

  /** Starts listening for the loss of the connection, once. */
  private listen(): void {
    if (this.attached.length > 0) return;
    for (const event of this.lossEvents) {
      const listener: Listener = (cause) => this.lost(event, cause);
      this.addListener(event, listener);
      this.attached.push([event, listener]);
    }
  }

  protected lost(event: string, cause: unknown): void {
    if (this.lostError && this.owned) return;
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    const error = new ConnectionLostError(`the connection was lost (${event}${detail})`);
    // The user's client reconnects by itself: a later command may succeed again.
    if (this.owned) this.lostError = error;
    for (const reject of [...this.inFlight]) reject(error);
    this.inFlight.clear();
    for (const listener of this.lostListeners) listener(error);
  }

  private guard<R>(send: () => Promise<R>): Promise<R> {
    this.listen();
    if (this.lostError) return Promise.reject(this.lostError);
    if (!this.isReady()) {
      return Promise.reject(
        new ConnectionLostError(`the client is not ready (${this.describeState()})`),
      );
    }
    return new Promise<R>((resolve, reject) => {
      const onLost = (error: Error) => reject(error);
      this.inFlight.add(onLost);
      let sent: Promise<R>;
      try {
        sent = send();
      } catch (error) {
        this.inFlight.delete(onLost);
        reject(error);
        return;
      }
      sent.then(
        (reply) => {
          this.inFlight.delete(onLost);
          resolve(reply);
        },
        (error: unknown) => {
          this.inFlight.delete(onLost);
          reject(error);
        },
      );
    });
  }

  private addListener(event: string, listener: Listener): void {
    this.emitter.on(event, listener);
  }

  private removeListener(event: string, listener: Listener): void {
    if (typeof this.emitter.off === 'function') this.emitter.off(event, listener);
    else this.emitter.removeListener?.(event, listener);
  }
}

/** The listener for the errors of a connection of ours that is ending. */
function ignoreLateError(): void {}

function notReadyBeforeEnd(): ConnectionLostError {
  return new ConnectionLostError('the run ended before the client was ready');
}

/**
 * Connects a link over a connection it owns; closes it again if connecting fails or `signal`
 * aborts first. It listens for the connection's loss before connecting: a client's `error` event
 * that nobody listens to would throw (node-redis) or be printed (ioredis).
 */
async function connectOwned(
  link: RedisLink,
  connect: () => Promise<unknown>,
  signal: AbortSignal,
): Promise<RedisLink> {
  link.onLost(() => undefined);
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(notReadyBeforeEnd());
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort);
  });
  const connecting = connect();
  connecting.catch(() => undefined); // a connection the signal cut short fails later, unheard
  try {
    await Promise.race([connecting, aborted]);
  } catch (error) {
    await link.detach().catch(() => undefined);
    throw error;
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
  return link;
}

class NodeRedisLink extends BaseLink {
  readonly kind = 'node-redis';
  // Our own duplicate has no reconnection, so its socket error is its end; on the user's client
  // node-redis rejects the commands in flight itself and emits `reconnecting` or `end`.
  protected readonly lossEvents: readonly string[];

  constructor(
    private readonly client: NodeRedisClient,
    owned: boolean,
  ) {
    super(client, owned);
    this.lossEvents = owned ? ['error', 'end'] : ['reconnecting', 'end'];
  }

  protected isReady(): boolean {
    return this.client.isReady;
  }

  protected isConnecting(): boolean {
    return this.client.isOpen && !this.client.isReady;
  }

  protected describeState(): string {
    return `node-redis isOpen: ${this.client.isOpen}, isReady: ${this.client.isReady}`;
  }

  protected sendRaw(command: RedisCommand): Promise<unknown> {
    return this.client.sendCommand([...command]);
  }

  protected pipelineRaw(commands: readonly RedisCommand[]): Promise<PipelineReply[]> {
    // node-redis writes every command queued in one tick in one write: this is a pipeline.
    return Promise.all(
      commands.map((command) =>
        this.client.sendCommand([...command]).then(
          (reply) => reply,
          (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
        ),
      ),
    );
  }

  protected async openDuplicate(signal: AbortSignal): Promise<RedisLink> {
    const socket = this.client.options?.socket ?? {};
    const duplicate = this.client.duplicate({
      disableOfflineQueue: true,
      // An idle socket timeout would end a blocking read that is only waiting.
      socket: { ...socket, reconnectStrategy: false, socketTimeout: undefined },
    });
    return connectOwned(new NodeRedisLink(duplicate, true), () => duplicate.connect(), signal);
  }

  protected async close(): Promise<void> {
    try {
      if (typeof this.client.destroy === 'function') this.client.destroy();
      else await this.client.disconnect?.();
    } catch {
      // Already closed: nothing left to release.
    }
  }
}

/** The ioredis client's socket when it can be corked (a `net.Socket` or `tls.TLSSocket`). */
function corkableSocketOf(client: IORedisClient): CorkableSocket | undefined {
  const socket = client.stream;
  return typeof socket?.cork === 'function' && typeof socket.uncork === 'function'
    ? (socket as CorkableSocket)
    : undefined;
}

class IORedisLink extends BaseLink {
  readonly kind = 'ioredis';
  protected readonly lossEvents: readonly string[];

  constructor(
    private readonly client: IORedisClient,
    owned: boolean,
  ) {
    super(client, owned);
    // ioredis emits `error` for every failure and prints it when nobody listens; our duplicate
    // listens. `close` is the socket's end on either client.
    this.lossEvents = owned ? ['error', 'close', 'end'] : ['close', 'end'];
  }

  protected isReady(): boolean {
    return this.client.status === 'ready';
  }

  protected isConnecting(): boolean {
    // Not 'wait': a lazyConnect client that nobody connected yet, and that nothing will connect.
    return ['connecting', 'connect', 'reconnecting'].includes(this.client.status);
  }

  protected describeState(): string {
    const status = this.client.status;
    return status === 'wait'
      ? `ioredis status 'wait': created with lazyConnect and not connected yet`
      : `ioredis status '${status}'`;
  }

  protected sendRaw(command: RedisCommand): Promise<unknown> {
    const [name, ...args] = command;
    return this.client.call(name!, ...args);
  }

  protected pipelineRaw(commands: readonly RedisCommand[]): Promise<PipelineReply[]> {
    // The commands leave in one write of the socket, corked while ioredis writes them, so Redis
    // reads them together and answers them in one round trip, without the cost of building an
    // ioredis Pipeline for every batch. (Uncorked, ioredis writes each command on its own, and
    // Redis may read, run and answer the first, a batch's acks, before the read behind it arrives.
    // With `enableAutoPipelining` ioredis gathers the commands of a tick itself; the cork is then
    // a no-op.)
    const socket = corkableSocketOf(this.client);
    socket?.cork();
    try {
      return Promise.all(
        commands.map(([name, ...args]) =>
          this.client.call(name!, ...args).then(
            (reply) => reply,
            (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
          ),
        ),
      );
    } finally {
      socket?.uncork();
    }
  }

  protected async openDuplicate(signal: AbortSignal): Promise<RedisLink> {
    const duplicate = this.client.duplicate({
      lazyConnect: true,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      // The user's timeouts would end a blocking read that is only waiting for `block` ms.
      commandTimeout: undefined,
      socketTimeout: undefined,
      blockingTimeout: undefined,
    });
    return connectOwned(new IORedisLink(duplicate, true), () => duplicate.connect(), signal);
  }

  protected async close(): Promise<void> {
    // A connection that has ended (the server closed it, and our duplicate never reconnects) is
    // not disconnected again: ioredis would arm a 2 s timer to destroy a socket that is already
    // gone, and wait for a `close` event that came before, so the timer would keep the process
    // alive after the pool has ended.
    if (this.client.status === 'end') return;
    this.client.disconnect();
  }
}

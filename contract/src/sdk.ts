// The e-Kinerja client kit: a typed client generated from the committed openapi.yaml
// (openapi-typescript types, openapi-fetch calls), and the few things every frontend, phone app
// and attendance system otherwise writes for itself: signing in, problem+json errors, an offline
// phone's batch sync with safe retries, the change feed, and Standard Webhooks signing for
// server-to-server pushes. `make test` drives a live demo server through it (src/flows.ts).
import createClient, { type Client, type Middleware } from "openapi-fetch";
import { Webhook } from "standardwebhooks";
import type { components, paths } from "../generated/api.js";

export type { components, paths };
export type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];
export type Ekinerja = Client<paths, "application/json">;

/** A refusal or failure, as the server described it (RFC 9457 problem+json). */
export class ProblemError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem,
    readonly retryAfterSeconds: number | null,
  ) {
    super(`${status} ${problem.type}: ${problem.detail ?? problem.title}`);
    this.name = "ProblemError";
  }

  /** The reason given for one field (`#/items/0/date`), if the server named it. */
  field(pointer: string): string | undefined {
    return this.problem.errors?.find((e) => e.pointer === pointer)?.detail;
  }
}

/** Whether a failure is worth retrying later: the server was unreachable or asked to be retried. */
export function isTransient(e: unknown): boolean {
  if (e instanceof ProblemError) return e.status === 503 || e.status === 429 || e.retryAfterSeconds !== null;
  return e instanceof TypeError; // fetch's network failure
}

type Answer<D> = { data?: D; error?: unknown; response: Response };

/** The body of a successful answer; a [`ProblemError`] for any other. */
export async function ok<D>(pending: Promise<Answer<D>>): Promise<D> {
  const { data, error, response } = await pending;
  if (!response.ok) throw await problemOf(response, error);
  return data as D;
}

/** Like [`ok`], with the answer's `ETag` (the `If-Match` of the next change to the record). */
export async function okTagged<D>(pending: Promise<Answer<D>>): Promise<{ data: D; etag: string; status: number }> {
  const { data, error, response } = await pending;
  if (!response.ok) throw await problemOf(response, error);
  const etag = response.headers.get("etag");
  if (etag === null) throw new Error(`${response.url}: the answer carries no ETag`);
  return { data: data as D, etag, status: response.status };
}

/** The `If-Match` of a record read at `version`: the server's ETag form, `"v{version}"`. */
export function ifMatch(version: number): string {
  return `"v${version}"`;
}

async function problemOf(response: Response, error: unknown): Promise<ProblemError> {
  const retry = response.headers.get("retry-after");
  const problem: Problem =
    typeof error === "object" && error !== null && "type" in error
      ? (error as Problem)
      : {
          type: "about:blank",
          title: response.statusText,
          status: response.status,
          detail: `${response.status} ${response.statusText}`,
        };
  return new ProblemError(response.status, problem, retry === null ? null : Number(retry));
}

export interface Options {
  /** The access token, read before every request (so a refreshed token is used at once). */
  token?: () => string | undefined;
  /** The fetch to use (the global one by default). */
  fetch?: typeof fetch;
  /** More middleware, run after the credential is set (logging, checks of the answers). */
  middleware?: Middleware[];
}

/** A typed client of the server at `baseUrl` (`https://kinerja.example.go.id`, no `/api/v1`). */
export function connect(baseUrl: string, options: Options = {}): Ekinerja {
  const client = createClient<paths>({ baseUrl, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const token = options.token;
  if (token) {
    client.use({
      onRequest({ request }) {
        const t = token();
        if (t !== undefined && !request.headers.has("authorization")) {
          request.headers.set("authorization", `Bearer ${t}`);
        }
        return request;
      },
    });
  }
  for (const m of options.middleware ?? []) client.use(m);
  return client;
}

/** A person's session: the client, the tokens, and a refresh that rotates them. */
export class Session {
  readonly api: Ekinerja;
  private access: string;
  private refreshToken: string;

  private constructor(
    private readonly baseUrl: string,
    tokens: Schemas["TokenPair"],
    private readonly options: Options,
  ) {
    this.access = tokens.access_token;
    this.refreshToken = tokens.refresh_token;
    this.api = connect(baseUrl, { ...options, token: () => this.access });
  }

  /** Signs in with a login (a NIP, or an account's login) and password. */
  static async signIn(baseUrl: string, login: string, password: string, options: Options = {}): Promise<Session> {
    const anonymous = connect(baseUrl, options);
    const tokens = await ok(anonymous.POST("/api/v1/auth/login", { body: { login, password } }));
    return new Session(baseUrl, tokens, options);
  }

  /** The current access token (for a call made outside this client). */
  get accessToken(): string {
    return this.access;
  }

  /** Trades the refresh token for a new pair; the old refresh token stops working. */
  async refresh(): Promise<void> {
    const anonymous = connect(this.baseUrl, this.options);
    const tokens = await ok(anonymous.POST("/api/v1/auth/refresh", { body: { refresh_token: this.refreshToken } }));
    this.access = tokens.access_token;
    this.refreshToken = tokens.refresh_token;
  }
}

export type LogBody = Schemas["LogBody"];
export type BatchResult = Schemas["BatchResult"];

/**
 * A phone's queue of logs written offline. Each log gets its `client_id` when it is written, and
 * the batch its `Idempotency-Key` when it is first sent, so sending again after a lost answer or
 * a dropped connection never stores anything twice: the server replays the answer it gave.
 */
export class OfflineLogQueue {
  private pending: LogBody[] = [];
  /** The key of the batch last sent, with the `client_id`s it held. */
  private keyed: { key: string; ids: string } | null = null;
  private inflight: Promise<BatchResult> | null = null;

  /** Adds a log written offline; returns its `client_id`. */
  write(log: Omit<LogBody, "client_id">): string {
    const client_id = crypto.randomUUID();
    this.pending.push({ ...log, client_id });
    return client_id;
  }

  get size(): number {
    return this.pending.length;
  }

  /**
   * The batch as it will be sent, and its idempotency key: the key of the last send while the
   * batch is the same, a new one once it changed (a log written or corrected since), since the
   * server refuses one key for two bodies. The logs' `client_id`s keep a new key from storing
   * anything twice.
   */
  get batch(): { items: LogBody[]; idempotencyKey: string } {
    const items = this.pending.map((l) => ({ ...l }));
    const ids = items.map((l) => l.client_id).join(",");
    if (this.keyed?.ids !== ids) this.keyed = { key: crypto.randomUUID(), ids };
    return { items, idempotencyKey: this.keyed.key };
  }

  /**
   * Sends the queue as one batch, retrying transient failures (no network, 503, 429, a send of
   * the same key still in progress) up to `attempts` times with the same key. On an answer, the
   * queue drops every item the server stored (created or existing) and keeps the refused ones for
   * the user to correct, and the logs written while the batch was on its way. A call while a
   * sync is running waits for that sync.
   */
  sync(api: Ekinerja, attempts = 3, pause = (s: number) => sleep(s)): Promise<BatchResult> {
    this.inflight ??= this.send(api, attempts, pause).finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }

  private async send(api: Ekinerja, attempts: number, pause: (s: number) => Promise<void>): Promise<BatchResult> {
    if (this.pending.length === 0) return { items: [] };
    const { items, idempotencyKey } = this.batch;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await ok(
          api.POST("/api/v1/daily-logs/batch", {
            body: { items },
            params: { header: { "Idempotency-Key": idempotencyKey } },
          }),
        );
        const stored = new Set(
          items.filter((_, i) => result.items[i]?.outcome !== "refused").map((l) => l.client_id),
        );
        this.pending = this.pending.filter((l) => !stored.has(l.client_id));
        return result;
      } catch (e) {
        const busy = e instanceof ProblemError && e.status === 409;
        if (attempt >= attempts || !(busy || isTransient(e))) throw e;
        await pause(e instanceof ProblemError && e.retryAfterSeconds !== null ? e.retryAfterSeconds : attempt);
      }
    }
  }
}

/**
 * Everything that changed in the caller's logs since `cursor` (all of it when `undefined`),
 * reading page after page; keep the returned cursor for the next pull.
 */
export async function pullLogChanges(
  api: Ekinerja,
  cursor: string | undefined,
): Promise<{ items: Schemas["DailyLogView"][]; cursor: string }> {
  const items: Schemas["DailyLogView"][] = [];
  for (;;) {
    const page = await ok(
      api.GET("/api/v1/me/daily-logs/changes", { params: { query: { limit: 200, ...(cursor ? { cursor } : {}) } } }),
    );
    items.push(...page.items);
    cursor = page.next_cursor;
    if (page.items.length === 0) return { items, cursor };
  }
}

/**
 * An attendance system's connection: its integration key, and the key's Standard Webhooks
 * secret where the key was issued `signed` (every request then carries `webhook-id`,
 * `webhook-timestamp` and `webhook-signature` over the exact body sent).
 */
export class AttendanceSystem {
  readonly api: Ekinerja;
  private readonly signer: Webhook | null;

  constructor(baseUrl: string, key: string, signingSecret: string | null | undefined, options: Options = {}) {
    this.api = connect(baseUrl, { ...options, token: () => key });
    this.signer = signingSecret ? new Webhook(signingSecret) : null;
  }

  /** The headers that sign `body`, sent at `at`. */
  sign(body: string, at: Date = new Date(), id: string = `msg_${crypto.randomUUID()}`): Record<string, string> {
    if (this.signer === null) return {};
    return {
      "webhook-id": id,
      "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
      "webhook-signature": this.signer.sign(id, at, body),
    };
  }

  /** Pushes events; a retry of the same events stores nothing twice (`source_event_id`). */
  async push(events: Schemas["PushEvent"][]): Promise<Schemas["PushResult"]> {
    const body = JSON.stringify({ events });
    return ok(
      this.api.POST("/api/v1/attendance-events/batch", {
        body: { events },
        bodySerializer: () => body,
        headers: this.sign(body),
      }),
    );
  }
}

/** An agency's time zone as the IANA database names it, and its UTC offset (no daylight saving). */
export const ZONES: Record<Schemas["TimeZone"], { iana: string; offset: string }> = {
  wib: { iana: "Asia/Jakarta", offset: "+07:00" },
  wita: { iana: "Asia/Makassar", offset: "+08:00" },
  wit: { iana: "Asia/Jayapura", offset: "+09:00" },
};

/** The `YYYY-MM-DD` date that a clock in the agency's time zone shows at `at`. */
export function dateIn(zone: Schemas["TimeZone"], at: Date = new Date()): string {
  const format = { timeZone: ZONES[zone].iana, year: "numeric", month: "2-digit", day: "2-digit" } as const;
  return new Intl.DateTimeFormat("en-CA", format).format(at);
}

export function sleep(seconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, seconds * 1000));
}

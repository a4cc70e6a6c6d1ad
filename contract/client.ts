// A frontend's view of the API, typed only from the types openapi-typescript generates from the
// committed openapi.yaml (`generated/api.d.ts`). If the document describes something a client
// cannot express, or these uses stop matching it, `tsc` fails.
import type { components, operations, paths } from "./generated/api";

type Schemas = components["schemas"];

/** The JSON body of an operation's 200 or 201 response. */
type Ok<Op extends keyof operations> = operations[Op]["responses"] extends infer R
  ? R extends { 200: { content: { "application/json": infer B } } }
    ? B
    : R extends { 201: { content: { "application/json": infer B } } }
      ? B
      : never
  : never;

/** The JSON body an operation takes. */
type Body<Op extends keyof operations> = operations[Op] extends {
  requestBody?: { content: { "application/json": infer B } };
}
  ? B
  : never;

async function call<Op extends keyof operations>(
  base: string,
  token: string,
  method: "GET" | "POST" | "PATCH",
  path: string,
  body?: Body<Op>,
): Promise<Ok<Op>> {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) {
    const problem = (await res.json()) as Schemas["Problem"];
    throw new Error(`${problem.status} ${problem.type}: ${problem.detail ?? problem.title}`);
  }
  return (await res.json()) as Ok<Op>;
}

export async function dashboardShare(base: string, token: string, agency: string): Promise<number> {
  const d = await call<"get_agency_dashboard">(base, token, "GET", `/api/v1/agencies/${agency}/dashboard`);
  const opds: Schemas["RolloutRow"][] = d.rollout;
  const pilots = opds.filter((r) => r.rolled_out).length;
  return d.daily_logs.today.share_bp / 100 + pilots;
}

export async function logToday(base: string, token: string, result: string): Promise<string> {
  const log = await call<"create_daily_log">(base, token, "POST", "/api/v1/daily-logs", {
    date: new Date().toISOString().slice(0, 10),
    start_time: "08:00",
    end_time: "10:00",
    description: "Menyusun laporan",
    output_quantity: 1,
    planned_result_id: result,
  });
  return log.id;
}

export function levelWords(m: Schemas["MaturityView"]): string {
  const next = m.next === null || m.next === undefined ? "top level" : `${m.next.rule}: ${m.next.missing ?? ""}`;
  return `level ${m.level} of 6 (${next})`;
}

export function grade(w: Schemas["WorkloadFigures"]): string {
  const g: "A" | "B" | "C" | "D" | "E" | null | undefined = w.grade;
  return g ?? "no staff";
}

// Every path of the document is a key of `paths`.
export const dashboardPath: keyof paths = "/api/v1/agencies/{id}/dashboard";

// A frontend's view of the API through the client kit (src/sdk.ts), typed only from what
// openapi-typescript generates from the committed openapi.yaml. If the document describes
// something a client cannot express, or these uses stop matching it, `tsc` fails.
import { ok, type Ekinerja, type Schemas, type paths } from "./src/sdk.js";

export async function dashboardShare(api: Ekinerja, agency: string): Promise<number> {
  const d = await ok(api.GET("/api/v1/agencies/{id}/dashboard", { params: { path: { id: agency } } }));
  const opds: Schemas["RolloutRow"][] = d.rollout;
  const pilots = opds.filter((r) => r.rolled_out).length;
  return d.daily_logs.today.share_bp / 100 + pilots;
}

export async function logToday(api: Ekinerja, result: string): Promise<string> {
  const log = await ok(
    api.POST("/api/v1/daily-logs", {
      body: {
        date: new Date().toISOString().slice(0, 10),
        start_time: "08:00",
        end_time: "10:00",
        description: "Menyusun laporan",
        output_quantity: 1,
        planned_result_id: result,
      },
    }),
  );
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

// Every answer the flows receive is checked against the committed openapi.yaml, the document
// the client's types are generated from: its status is documented for the operation, its content
// type is one the document gives for that status, and a JSON body validates against the
// documented schema (JSON Schema 2020-12, with Ajv). So a response that stops matching the types
// fails the flow run at the call that received it, not when some field happens to be read.
import { readFileSync } from "node:fs";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";
import type { Middleware } from "openapi-fetch";
import { parse } from "yaml";

// ajv-formats is CommonJS with a default export.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

type Media = { schema?: object };
type Operation = { responses?: Record<string, { content?: Record<string, Media> }> };
type Document = { paths: Record<string, Record<string, Operation>> };

const integer = (bits: number) => (n: number) =>
  Number.isInteger(n) && n >= -(2 ** (bits - 1)) && n < 2 ** (bits - 1);

export class Conformance {
  private readonly ajv: Ajv2020;
  private readonly doc: Document;
  private readonly compiled = new Map<string, ValidateFunction>();
  /** Answers checked, by `METHOD path template status`. */
  readonly seen = new Map<string, number>();

  constructor(openapiPath: string) {
    this.doc = parse(readFileSync(openapiPath, "utf8")) as Document;
    // `example` and `discriminator` are OpenAPI's own keywords, not JSON Schema's.
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addFormat("int32", { type: "number", validate: integer(32) });
    this.ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat("double", { type: "number", validate: (n: number) => Number.isFinite(n) });
    this.ajv.addSchema({ ...this.doc, $id: "openapi" });
  }

  /** The middleware that checks each answer; add it to every client the flows use. */
  readonly middleware: Middleware = {
    onResponse: async ({ request, response, schemaPath }) => {
      await this.check(request.method, schemaPath, response);
      return undefined;
    },
  };

  /** Checks one answer; throws with the first mismatch. */
  async check(method: string, path: string, response: Response): Promise<void> {
    const where = `${method} ${path} answered ${response.status}`;
    const operation = this.doc.paths[path]?.[method.toLowerCase()];
    if (operation === undefined) throw new Error(`${where}: the document has no such operation`);
    const documented = operation.responses?.[String(response.status)];
    if (documented === undefined) throw new Error(`${where}: the status is not documented for the operation`);
    const type = (response.headers.get("content-type") ?? "").split(";")[0]!.trim();
    const content = documented.content ?? {};
    if (response.status === 204 || Object.keys(content).length === 0) {
      const body = await response.clone().text();
      if (body.length > 0) throw new Error(`${where}: a body where the document gives none`);
    } else if (!(type in content)) {
      throw new Error(`${where}: content type ${type}, documented ${Object.keys(content).join(", ")}`);
    } else if (type.endsWith("json")) {
      const pointer = `openapi#/paths/${escape(path)}/${method.toLowerCase()}/responses/${response.status}/content/${escape(type)}/schema`;
      this.validate(where, pointer, await response.clone().json());
    }
    const key = `${method} ${path} ${response.status}`;
    this.seen.set(key, (this.seen.get(key) ?? 0) + 1);
  }

  /** Validates `body` against the schema at `pointer`; throws with the errors. */
  validate(where: string, pointer: string, body: unknown): void {
    let validate = this.compiled.get(pointer);
    if (validate === undefined) {
      validate = this.ajv.compile({ $ref: pointer });
      this.compiled.set(pointer, validate);
    }
    if (!validate(body)) {
      const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`);
      throw new Error(`${where}: the body does not match the document: ${errors.join("; ")}`);
    }
  }

  /** The schema pointer of a named component, for checks of the checker itself. */
  static component(name: string): string {
    return `openapi#/components/schemas/${name}`;
  }
}

/** A JSON pointer segment (RFC 6901), percent-encoded as a URI fragment. */
function escape(segment: string): string {
  return encodeURIComponent(segment.replace(/~/g, "~0").replace(/\//g, "~1"));
}

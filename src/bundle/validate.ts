// Validation of config.json, state.json and the features document: the JSON
// Schemas in spec-schemas/ (precompiled by scripts/compile-schemas.mjs into
// ./generated/, so no schema compiler runs at start-up), then, when the schema
// passes, the semantic checks of ./semantic.ts. Every issue names its field
// as a JSON path (`process.rlimits[1].type`), one issue per problem.
import type { Features, Spec, State } from "../spec/types.ts";
import validateConfigSchema from "./generated/config.js";
import validateFeaturesSchema from "./generated/features.js";
import validateStateSchema from "./generated/state.js";
import type { SchemaError, SchemaValidator } from "./generated/config.js";
import { compareVersions, semanticIssues, semanticWarnings, subPath, type ValidationIssue } from "./semantic.ts";
import { unsupportedIssues } from "./unsupported.ts";

export type { ValidationIssue } from "./semantic.ts";
export type { SchemaError, SchemaValidator } from "./generated/config.js";

/** Schema errors of config.json, or else its semantic errors. [] when the bundle's config is valid. */
export function validateConfig(doc: unknown): ValidationIssue[] {
  const schema = runSchema(validateConfigSchema, doc);
  return schema.length ? schema : semanticIssues(doc as Spec);
}

/**
 * What create and validate check: a valid config (validateConfig) that asks
 * for nothing this build of rt would drop (./unsupported.ts: refused by name).
 */
export function checkConfig(doc: unknown): ValidationIssue[] {
  const issues = validateConfig(doc);
  return issues.length ? issues : unsupportedIssues(doc as Spec);
}

/** Things in a valid config.json the spec says to log but not refuse (deprecated or unknown-but-harmless values). */
export function configWarnings(doc: unknown): ValidationIssue[] {
  if (runSchema(validateConfigSchema, doc).length) return [];
  return semanticWarnings(doc as Spec);
}

/** A state document as `rt state` prints it (runtime.md "State"). */
export function validateState(doc: unknown): ValidationIssue[] {
  const schema = runSchema(validateStateSchema, doc);
  if (schema.length) return schema;
  const state = doc as State;
  return state.bundle.startsWith("/") ? [] : [{ path: "bundle", message: `must be an absolute path (got ${JSON.stringify(state.bundle)})` }];
}

/** A features document (features.md). */
export function validateFeatures(doc: unknown): ValidationIssue[] {
  const schema = runSchema(validateFeaturesSchema, doc);
  if (schema.length) return schema;
  const f = doc as Features;
  if (compareVersions(f.ociVersionMax, f.ociVersionMin) < 0) {
    return [{ path: "ociVersionMax", message: `must not be lower than ociVersionMin ${JSON.stringify(f.ociVersionMin)} (got ${JSON.stringify(f.ociVersionMax)})` }];
  }
  return [];
}

/** One line per issue: `config.json: process.rlimits[1].type: unknown rlimit "RLIMIT_FOO"`. */
export function formatIssues(issues: readonly ValidationIssue[], file = "config.json"): string {
  return issues.map((i) => (i.path ? `${file}: ${i.path}: ${i.message}` : `${file}: ${i.message}`)).join("\n");
}

function runSchema(validate: SchemaValidator, doc: unknown): ValidationIssue[] {
  return validate(doc) ? [] : schemaIssues(validate.errors, doc);
}

// ---------------------------------------------------------------------------
// Ajv errors → issues

/** Readable wording for every pattern used in spec-schemas/ (a test keeps this complete). */
export const PATTERN_HINTS: Readonly<Record<string, string>> = {
  "^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$":
    'must be a SemVer version such as "1.3.0"',
  "^RLIMIT_[A-Z]+$": 'must be an RLIMIT_* name such as "RLIMIT_NOFILE"',
  "^CAP_[A-Z0-9_]+$": 'must be a capability name such as "CAP_CHOWN"',
  "^[1-9][0-9]*[KMG]B$": 'must be a page size such as "64KB", "2MB" or "1GB"',
  "^[rwm]*$": 'must be made of "r", "w" and "m"',
  "^MB:[^\\n]*$": 'must start with "MB:" and be a single line',
  "^[^\\n]*$": "must be a single line",
  "^\\s*$|^\\s*[0-9]+(-[0-9]+(:[0-9]+/[0-9]+)?)?(\\s*,\\s*[0-9]+(-[0-9]+(:[0-9]+/[0-9]+)?)?)*\\s*$":
    'must be a list of numbers and ranges such as "0-3,7"',
};

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  integer: "an integer",
  number: "a number",
  object: "an object",
  array: "an array",
  boolean: "true or false",
  null: "null",
};

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
  return String(v);
}

/** Resolves a JSON pointer against doc, giving the dotted/bracket path and the value found there. */
function locate(doc: unknown, pointer: string): { path: string; value: unknown } {
  let path = "";
  let cur: unknown = doc;
  if (!pointer) return { path, value: cur };
  for (const raw of pointer.slice(1).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(cur)) {
      path = subPath(path, Number(key));
      cur = cur[Number(key)];
    } else {
      path = subPath(path, key);
      cur = cur && typeof cur === "object" ? (cur as Record<string, unknown>)[key] : undefined;
    }
  }
  return { path, value: cur };
}

/** Converts Ajv errors into issues: paths in dotted/bracket form, one readable message per problem. */
export function schemaIssues(errors: readonly SchemaError[] | null | undefined, doc: unknown): ValidationIssue[] {
  const errs = errors ?? [];
  const out: ValidationIssue[] = [];
  const seen = new Set<string>();
  const push = (path: string, message: string) => {
    const k = `${path}\0${message}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push({ path, message });
    }
  };

  // Errors inside a failed anyOf are summarised by the anyOf itself.
  const anyOfs = errs.filter((e) => e.keyword === "anyOf");
  const inside = (e: SchemaError, a: SchemaError) =>
    e !== a && e.instancePath.startsWith(a.instancePath) && e.schemaPath.startsWith(`${a.schemaPath}/`);

  for (const e of errs) {
    if (anyOfs.some((a) => inside(e, a))) continue;
    const { path, value } = locate(doc, e.instancePath);
    const p = e.params ?? {};
    switch (e.keyword) {
      case "if": // the failing "then" reports the real problem
      case "propertyNames": // so does the keyword that rejected the name
        break;
      case "required":
        push(subPath(path, p.missingProperty), "required");
        break;
      case "dependencies":
        push(subPath(path, p.missingProperty), `required when ${JSON.stringify(p.property)} is set`);
        break;
      case "additionalProperties":
        push(subPath(path, p.additionalProperty), "unknown property");
        break;
      case "type": {
        const want = String(p.type).split(",").map((t) => TYPE_WORDS[t] ?? t).join(" or ");
        push(path, `must be ${want} (got ${describe(value)})`);
        break;
      }
      case "enum":
        push(path, `must be one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")} (got ${describe(value)})`);
        break;
      case "const":
        push(path, `must be ${JSON.stringify(p.allowedValue)} (got ${describe(value)})`);
        break;
      case "pattern": {
        const where = e.propertyName !== undefined ? subPath(path, e.propertyName) : path;
        const shown = e.propertyName !== undefined ? `key ${JSON.stringify(e.propertyName)}` : describe(value);
        push(where, `${PATTERN_HINTS[p.pattern] ?? `must match ${p.pattern}`} (got ${shown})`);
        break;
      }
      case "minimum":
      case "maximum":
      case "exclusiveMinimum":
      case "exclusiveMaximum":
        push(path, `must be ${p.comparison} ${p.limit} (got ${describe(value)})`);
        break;
      case "minLength":
      case "maxLength": {
        const where = e.propertyName !== undefined ? subPath(path, e.propertyName) : path;
        const what = e.propertyName !== undefined ? "key " : "";
        if (e.keyword === "minLength" && p.limit === 1) push(where, `${what}must not be empty`);
        else push(where, `${what}must have ${e.keyword === "minLength" ? "at least" : "at most"} ${p.limit} characters`);
        break;
      }
      case "minItems":
        push(path, p.limit === 1 ? "must not be empty" : `must have at least ${p.limit} entries`);
        break;
      case "maxItems":
        push(path, `must have at most ${p.limit} entries`);
        break;
      case "anyOf": {
        const branches = errs.filter((x) => inside(x, e));
        const alternatives = branches.every((x) => x.keyword === "required" && x.instancePath === e.instancePath)
          ? [...new Set(branches.map((x) => String(x.params.missingProperty)))]
          : [];
        push(path, alternatives.length ? `must set at least one of ${alternatives.join(", ")}` : "does not match any of the allowed forms");
        break;
      }
      default:
        push(path, e.message ?? `fails the ${e.keyword} rule`);
    }
  }
  return out;
}

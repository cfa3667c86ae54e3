/**
 * What a waterfall row says after its bar about the call it records: for an AWS call its
 * operation and resource (`GetItem orders`, `SendMessage jobs`), for an HTTP call its method, URL
 * path and status (`GET /status/200 200`). Without it two DynamoDB calls are two identical rows
 * and a fetch is a bare host name. Read from untrusted documents: every field is checked for its
 * type, and compact.ts keeps exactly the fields read here (`DETAIL_FIELDS`), cut to `MAX_PART`.
 */
type Obj = Record<string, unknown>;

// (tree.ts has the same; not imported from there, since tree.ts imports this file.)
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** The `aws` fields naming a resource, in the order tried (X-Ray's names, as AWS's SDKs record them). */
export const RESOURCE_FIELDS = ["table_name", "queue_url", "bucket_name", "function_name", "topic_arn", "stream_name", "key"] as const;
/** Characters kept of each part (a URL path, a resource): more than a row shows. */
export const MAX_PART = 120;

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** A queue URL or an ARN by its last part (`…/123456789012/jobs` → `jobs`, `arn:…:topic` → `topic`). */
function shortResource(field: string, value: string): string {
  if (field === "queue_url") return value.slice(value.lastIndexOf("/") + 1) || value;
  if (field === "topic_arn" || value.startsWith("arn:")) return value.slice(value.lastIndexOf(":") + 1) || value;
  return value;
}

function awsDetail(aws: Obj): string | undefined {
  const operation = text(aws.operation);
  let resource: string | undefined;
  const bucket = text(aws.bucket_name);
  const key = text(aws.key);
  if (bucket) resource = key ? `${bucket}/${key}` : bucket;
  else {
    for (const field of RESOURCE_FIELDS) {
      const value = text(aws[field]);
      if (value) {
        resource = shortResource(field, value);
        break;
      }
    }
  }
  const parts = [operation, resource].filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join(" ") : undefined;
}

/** The path of a URL (`https://h/a/b?q` → `/a/b`); a text that is not a URL as it is. */
function urlPath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url.split(/[?#]/)[0] ?? url;
  }
}

function httpDetail(http: Obj): string | undefined {
  const request = isObject(http.request) ? http.request : undefined;
  const response = isObject(http.response) ? http.response : undefined;
  const method = text(request?.method);
  const url = text(request?.url);
  const status = typeof response?.status === "number" && Number.isInteger(response.status) ? String(response.status) : undefined;
  const parts = [method, url === undefined ? undefined : urlPath(url), status].filter((p): p is string => p !== undefined);
  return parts.length > 0 ? parts.join(" ") : undefined;
}

/** The row's detail, or undefined; AWS first (an SDK call also carries http). */
export function detailOf(node: Obj): string | undefined {
  const aws = isObject(node.aws) ? awsDetail(node.aws) : undefined;
  if (aws) return aws;
  return isObject(node.http) ? httpDetail(node.http) : undefined;
}

const clip = (v: unknown): unknown => (typeof v === "string" && v.length > MAX_PART ? [...v.slice(0, MAX_PART)].join("") : v);

/**
 * The fields detailOf reads, copied out of `node` with strings cut (for compact.ts), or undefined
 * when there are none; and the characters they hold, for its byte estimate.
 */
export function detailFields(node: Obj): { aws?: Obj; http?: Obj; chars: number } | undefined {
  let chars = 0;
  const keep = (from: Obj, names: readonly string[]): Obj | undefined => {
    const out: Obj = {};
    let any = false;
    for (const name of names) {
      const value = from[name];
      if (typeof value === "string" || typeof value === "number") {
        out[name] = clip(value);
        chars += typeof out[name] === "string" ? (out[name] as string).length : 8;
        any = true;
      }
    }
    return any ? out : undefined;
  };
  const result: { aws?: Obj; http?: Obj; chars: number } = { chars: 0 };
  if (isObject(node.aws)) {
    const aws = keep(node.aws, ["operation", ...RESOURCE_FIELDS]);
    if (aws) result.aws = aws;
  }
  if (isObject(node.http)) {
    const request = isObject(node.http.request) ? keep(node.http.request, ["method", "url"]) : undefined;
    const response = isObject(node.http.response) ? keep(node.http.response, ["status"]) : undefined;
    if (request || response) result.http = { ...(request ? { request } : {}), ...(response ? { response } : {}) };
  }
  result.chars = chars;
  return result.aws || result.http ? result : undefined;
}

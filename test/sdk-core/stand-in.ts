/**
 * A local stand-in (node:http on 127.0.0.1) for what the fixtures call: DynamoDB and SQS (JSON
 * protocols, by X-Amz-Target), S3 (REST, path-style) and plain `/status/NNN` pages. Its answers
 * depend only on the request (a table named "missing" is a service error, "throttled" a
 * throughput error, "flaky" fails its first attempt), so two runs of a fixture get the same.
 */
import http from "node:http";
import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";

export interface StandIn {
  url: string;
  /** The X-Amzn-Trace-Id of every request, in order (undefined when it had none). */
  traceHeaders: (string | undefined)[];
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Answer => ({
  status,
  body: JSON.stringify(body),
  headers: { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "REQ-DDB-1", ...headers },
});

function dynamodb(operation: string, input: Record<string, any>, attempt: string): Answer {
  const table = input.TableName;
  if (table === "missing")
    return json(400, { __type: "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException", message: "Requested resource not found" });
  if (table === "throttled")
    return json(400, { __type: "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException", message: "Rate exceeded" });
  if (table === "flaky" && attempt.startsWith("attempt=1")) return json(500, { __type: "InternalServerError", message: "try again" });
  const capacity = { TableName: table ?? "orders", CapacityUnits: 1 };
  if (operation === "GetItem") return json(200, { Item: { id: { S: "1" } }, ConsumedCapacity: capacity });
  if (operation === "PutItem") return json(200, { ConsumedCapacity: capacity });
  if (operation === "Query") return json(200, { Items: [], Count: 0, ScannedCount: 0, ConsumedCapacity: capacity });
  if (operation === "BatchGetItem") return json(200, { Responses: { orders: [] }, ConsumedCapacity: [capacity] });
  return json(400, { __type: "UnknownOperationException" });
}

function sqs(operation: string, input: Record<string, any>): Answer {
  const h = { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": "REQ-SQS-1" };
  if (operation === "SendMessage") {
    const md5 = createHash("md5")
      .update(String(input.MessageBody ?? ""))
      .digest("hex");
    return { status: 200, body: JSON.stringify({ MessageId: "msg-1", MD5OfMessageBody: md5 }), headers: h };
  }
  if (operation === "ReceiveMessage") return { status: 200, body: JSON.stringify({ Messages: [] }), headers: h };
  return { status: 400, body: JSON.stringify({ __type: "com.amazonaws.sqs#InvalidAction" }), headers: h };
}

function s3(method: string, path: string): Answer {
  const h = { "x-amz-request-id": "REQ-S3-1", "x-amz-id-2": "ID2-S3-1" };
  if (method === "GET" && path.includes("list-type=2"))
    return {
      status: 200,
      body: '<?xml version="1.0" encoding="UTF-8"?><ListBucketResult><Name>photos</Name><Prefix>c</Prefix><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>',
      headers: { ...h, "content-type": "application/xml" },
    };
  if (method === "GET") return { status: 200, body: "meow", headers: { ...h, "content-type": "text/plain", etag: '"1"' } };
  return { status: 200, body: "", headers: { ...h, etag: '"2"' } };
}

function answer(req: http.IncomingMessage, body: string): Answer {
  const url = req.url ?? "/";
  const status = /^\/status\/(\d{3})/.exec(url);
  if (status) return { status: Number(status[1]), body: "page", headers: { "content-type": "text/plain" } };
  const target = String(req.headers["x-amz-target"] ?? "");
  const input = target && body ? JSON.parse(body) : {};
  if (target.startsWith("DynamoDB_20120810.")) return dynamodb(target.slice(18), input, String(req.headers["amz-sdk-request"] ?? ""));
  if (target.startsWith("AmazonSQS.")) return sqs(target.slice(10), input);
  return s3(req.method ?? "GET", url);
}

export async function standIn(): Promise<StandIn> {
  const traceHeaders: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const h = req.headers["x-amzn-trace-id"];
      traceHeaders.push(Array.isArray(h) ? h.join(",") : h);
      let a: Answer;
      try {
        a = answer(req, Buffer.concat(chunks).toString("utf8"));
      } catch {
        a = { status: 400, body: "{}" };
      }
      res.writeHead(a.status, { "content-length": String(Buffer.byteLength(a.body)), ...a.headers });
      res.end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    traceHeaders,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

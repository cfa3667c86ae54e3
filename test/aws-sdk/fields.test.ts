/**
 * The per-operation fields of `aws` subsegments (adapters/aws-sdk/fields.ts): the table against
 * the peer's own whitelist (node_modules/aws-xray-sdk-core's aws_whitelist.json, read here as
 * data and interpreted by this test, so that the table and the peer cannot drift), and
 * captureAwsClient recording them from real DynamoDB, S3 and SQS clients against a stand-in.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { DynamoDBClient, GetItemCommand, BatchGetItemCommand } from "@aws-sdk/client-dynamodb";
import { S3Client, GetObjectCommand } from "@aws-sdk/client-s3";
import { SQSClient, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { operationFields, snakeCase } from "../../adapters/aws-sdk/fields.ts";
import { captureAwsClient } from "../../adapters/aws-sdk/index.ts";
import { withSegment } from "../../adapters/context/index.ts";
import { tracing } from "./helpers.ts";
import { standIn, type StandIn } from "../sdk-core/stand-in.ts";

type Descriptor = { rename_to?: string; list?: boolean; get_count?: boolean; get_keys?: boolean };
type Call = {
  request_parameters?: string[];
  response_parameters?: string[];
  request_descriptors?: Record<string, Descriptor>;
  response_descriptors?: Record<string, Descriptor>;
};
const require = createRequire(import.meta.url);
const whitelistPath = require.resolve("aws-xray-sdk-core/dist/lib/resources/aws_whitelist.json");
const whitelist = JSON.parse(readFileSync(whitelistPath, "utf8")) as { services: Record<string, { operations: Record<string, Call> }> };

/** A value for a descriptor's parameter, and what the peer's rule records of it. */
function sample(d: Descriptor): { value: unknown; recorded: unknown } {
  if (d.list && d.get_count) return { value: ["a", "b", "c"], recorded: 3 };
  if (d.get_keys) return { value: { first: 1, second: 2 }, recorded: ["first", "second"] };
  return { value: "given", recorded: "given" };
}

/** Input, output, and the fields the peer's whitelist says are recorded from them. */
function scenario(call: Call): { input: Record<string, unknown>; output: Record<string, unknown>; expected: Record<string, unknown> } {
  const input: Record<string, unknown> = {};
  const output: Record<string, unknown> = {};
  const expected: Record<string, unknown> = {};
  for (const [i, p] of (call.request_parameters ?? []).entries()) {
    input[p] = `in-${i}`;
    expected[
      p === "IPAddress"
        ? "ip_address"
        : p
            .split(/(?=[A-Z])/)
            .join("_")
            .toLowerCase()
    ] = `in-${i}`;
  }
  for (const [i, p] of (call.response_parameters ?? []).entries()) {
    output[p] = `out-${i}`;
    expected[
      p
        .split(/(?=[A-Z])/)
        .join("_")
        .toLowerCase()
    ] = `out-${i}`;
  }
  for (const [side, descriptors] of [
    [input, call.request_descriptors],
    [output, call.response_descriptors],
  ] as const) {
    for (const [p, d] of Object.entries(descriptors ?? {})) {
      const { value, recorded } = sample(d);
      side[p] = value;
      expected[
        d.rename_to ??
          p
            .split(/(?=[A-Z])/)
            .join("_")
            .toLowerCase()
      ] = recorded;
    }
  }
  return { input, output, expected };
}

test("every service and operation of the peer's whitelist records the fields it names, and only those", () => {
  let operations = 0;
  for (const [service, { operations: ops }] of Object.entries(whitelist.services)) {
    for (const [operation, call] of Object.entries(ops)) {
      const { input, output, expected } = scenario(call);
      const name = operation.charAt(0).toUpperCase() + operation.slice(1); // as the SDK's command names it
      assert.equal(
        operationFields(service, name, { ...input, Unlisted: 1 }, { ...output, AlsoUnlisted: 2 }),
        expected,
        `${service}.${operation}`,
      );
      operations++;
    }
  }
  assert.ok(operations > 100, `the whitelist was read (${operations} operations)`);
});

test("operations and services outside the list record nothing; the client name's case and spaces do not matter", () => {
  assert.equal(operationFields("DynamoDB", "DescribeLimits", { TableName: "t" }, {}), {});
  assert.equal(operationFields("XRay", "GetSamplingRules", { TableName: "t" }, {}), {});
  assert.equal(operationFields("SageMaker Runtime", "InvokeEndpoint", { EndpointName: "e" }, {}), { endpoint_name: "e" });
  assert.equal(operationFields("dynamodb", "GetItem", { TableName: "t" }, undefined), { table_name: "t" });
});

test("odd inputs: inherited fields are not read, throwing getters stop the reading, never the call", () => {
  const inherited = Object.create({ TableName: "from-prototype" });
  assert.equal(operationFields("DynamoDB", "GetItem", inherited, null), {});
  const hostile = {
    get TableName(): string {
      throw new Error("no");
    },
  };
  assert.equal(operationFields("DynamoDB", "DeleteTable", hostile, null), {});
  assert.equal(operationFields("DynamoDB", "GetItem", "text", 42), {});
  assert.is(snakeCase("QueueOwnerAWSAccountId"), "queue_owner_a_w_s_account_id");
  assert.is(snakeCase("IPAddress"), "ip_address");
});

let stand: StandIn;
test.before(async () => {
  stand = await standIn();
});
test.after(async () => {
  await stand.close();
});

const credentials = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" };

test("captureAwsClient records the fields of DynamoDB, S3 and SQS calls; retries counts the attempts after the first", async () => {
  const { tracer, emitter } = tracing();
  const common = { endpoint: stand.url, region: "us-east-1", credentials };
  const ddb = captureAwsClient(new DynamoDBClient(common));
  const s3 = captureAwsClient(new S3Client({ ...common, forcePathStyle: true }));
  const sqs = captureAwsClient(new SQSClient(common));
  const segment = tracer.beginSegment("fields", { traceHeader: "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1" });
  await withSegment(segment, async () => {
    await ddb.send(new GetItemCommand({ TableName: "orders", Key: { id: { S: "1" } }, ProjectionExpression: "id" }));
    await ddb.send(new GetItemCommand({ TableName: "flaky", Key: { id: { S: "1" } } }));
    await ddb.send(new BatchGetItemCommand({ RequestItems: { a: { Keys: [{ id: { S: "1" } }] }, b: { Keys: [{ id: { S: "2" } }] } } }));
    await ddb.send(new GetItemCommand({ TableName: "missing", Key: { id: { S: "1" } } })).catch(() => undefined);
    await s3.send(new GetObjectCommand({ Bucket: "photos", Key: "cat.jpg", VersionId: "v1" })).then((r) => r.Body?.transformToString());
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: `${stand.url}/1/q`, MaxNumberOfMessages: 3 }));
  });
  segment.close();
  for (const c of [ddb, s3, sqs]) c.destroy();
  const subs = emitter.documents()[0]!.subsegments as Record<string, any>[];
  assert.is(subs.length, 6);
  const [get, flaky, batch, missing, object, receive] = subs.map((s) => s.aws);
  // The stand-in answers GetItem with { ConsumedCapacity: { TableName, CapacityUnits: 1 } }.
  assert.equal(get, {
    operation: "GetItem",
    region: "us-east-1",
    request_id: "REQ-DDB-1",
    retries: 0,
    projection_expression: "id",
    table_name: "orders",
    consumed_capacity: { TableName: "orders", CapacityUnits: 1 },
  });
  assert.is(flaky.retries, 1, "the stand-in fails a flaky call's first attempt");
  assert.is(flaky.table_name, "flaky");
  assert.equal(batch.table_names, ["a", "b"]);
  // A failed call records the input's fields, not the output's (there is none).
  assert.equal(missing, { operation: "GetItem", region: "us-east-1", request_id: "REQ-DDB-1", retries: 0, table_name: "missing" });
  assert.equal([object.bucket_name, object.key, object.version_id, object.id_2], ["photos", "cat.jpg", "v1", "ID2-S3-1"]);
  assert.equal([receive.queue_url, receive.max_number_of_messages, receive.message_count], [`${stand.url}/1/q`, 3, 0]);
});

test.run();

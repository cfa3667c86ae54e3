/**
 * The per-operation fields an `aws` subsegment carries besides operation, region, request ID and
 * retries: DynamoDB's `table_name`, S3's `bucket_name` and `key`, SQS's `queue_url`, ... The
 * services, operations and fields are those aws-xray-sdk-core records (its call capturer's
 * whitelist), so that a trace looks the same after a move; the table is written here from those
 * facts, in its own form.
 *
 * A field comes from the command's input (`in`) or its output (`out`, on success only), named in
 * snake case (`TableName` → `table_name`, each capital starting a word, so `QueueOwnerAWSAccountId`
 * → `queue_owner_a_w_s_account_id`, as the peer writes it). A renamed field takes the input's or
 * output's value as it is, its keys (`keys`), or its length (`count`).
 */

type Bag = Record<string, unknown>;

interface Renamed {
  /** The field's name in the subsegment. */
  as: string;
  /** Record the value's keys (an object), or its length (a list), instead of the value. */
  take?: "keys" | "count";
}

interface OperationFields {
  in?: readonly string[];
  out?: readonly string[];
  inRenamed?: Readonly<Record<string, Renamed>>;
  outRenamed?: Readonly<Record<string, Renamed>>;
}

type ServiceFields = Readonly<Record<string, OperationFields>>;

const CAPACITY = ["ConsumedCapacity"];
const WRITE = ["ConsumedCapacity", "ItemCollectionMetrics"];
const TABLE = ["TableName"];
const TABLE_NAMES: Readonly<Record<string, Renamed>> = { RequestItems: { as: "table_names", take: "keys" } };

const dynamodb: ServiceFields = {
  batchGetItem: { inRenamed: TABLE_NAMES, out: CAPACITY },
  batchWriteItem: { inRenamed: TABLE_NAMES, out: WRITE },
  createTable: { in: ["GlobalSecondaryIndexes", "LocalSecondaryIndexes", "ProvisionedThroughput", "TableName"] },
  deleteItem: { in: TABLE, out: WRITE },
  deleteTable: { in: TABLE },
  describeTable: { in: TABLE },
  getItem: { in: ["ConsistentRead", "ProjectionExpression", "TableName"], out: CAPACITY },
  listTables: { in: ["ExclusiveStartTableName", "Limit"], outRenamed: { TableNames: { as: "table_count", take: "count" } } },
  putItem: { in: TABLE, out: WRITE },
  query: {
    in: ["AttributesToGet", "ConsistentRead", "IndexName", "Limit", "ProjectionExpression", "ScanIndexForward", "Select", "TableName"],
    out: CAPACITY,
  },
  scan: {
    in: [
      "AttributesToGet",
      "ConsistentRead",
      "IndexName",
      "Limit",
      "ProjectionExpression",
      "Segment",
      "Select",
      "TableName",
      "TotalSegments",
    ],
    out: ["ConsumedCapacity", "Count", "ScannedCount"],
  },
  updateItem: { in: TABLE, out: WRITE },
  updateTable: { in: ["AttributeDefinitions", "GlobalSecondaryIndexUpdates", "ProvisionedThroughput", "TableName"] },
};

const QUEUE = ["QueueUrl"];
const FAILED = ["Failed"];
const sqs: ServiceFields = {
  addPermission: { in: ["Label", "QueueUrl"] },
  changeMessageVisibility: { in: ["QueueUrl", "VisibilityTimeout"] },
  changeMessageVisibilityBatch: { in: QUEUE, out: FAILED },
  createQueue: { in: ["Attributes", "QueueName"] },
  deleteMessage: { in: QUEUE },
  deleteMessageBatch: { in: QUEUE, out: FAILED },
  deleteQueue: { in: QUEUE },
  getQueueAttributes: { in: QUEUE, out: ["Attributes"] },
  getQueueUrl: { in: ["QueueName", "QueueOwnerAWSAccountId"], out: ["QueueUrl"] },
  listDeadLetterSourceQueues: { in: QUEUE, out: ["QueueUrls"] },
  listQueues: { in: ["QueueNamePrefix"], outRenamed: { QueueUrls: { as: "queue_count", take: "count" } } },
  purgeQueue: { in: QUEUE },
  receiveMessage: {
    in: ["AttributeNames", "MaxNumberOfMessages", "MessageAttributeNames", "QueueUrl", "VisibilityTimeout", "WaitTimeSeconds"],
    outRenamed: { Messages: { as: "message_count", take: "count" } },
  },
  removePermission: { in: QUEUE },
  sendMessage: {
    in: ["DelaySeconds", "QueueUrl"],
    inRenamed: { MessageAttributes: { as: "message_attribute_names", take: "keys" } },
    out: ["MessageId"],
  },
  sendMessageBatch: {
    in: QUEUE,
    inRenamed: { Entries: { as: "message_count", take: "count" } },
    outRenamed: { Failed: { as: "failed_count", take: "count" }, Successful: { as: "successful_count", take: "count" } },
  },
  setQueueAttributes: { in: QUEUE, inRenamed: { Attributes: { as: "attribute_names", take: "keys" } } },
};

/** S3: every operation below records the bucket as `bucket_name`; some also the key, version or prefix. */
const BUCKET: Readonly<Record<string, Renamed>> = { Bucket: { as: "bucket_name" } };
const s3Only = (...names: string[]): OperationFields => ({ in: names, inRenamed: BUCKET });
const s3: Record<string, OperationFields> = {};
const BUCKET_SETTINGS = [
  "AccelerateConfiguration",
  "Acl",
  "AnalyticsConfiguration",
  "Cors",
  "Encryption",
  "InventoryConfiguration",
  "Lifecycle",
  "LifecycleConfiguration",
  "Logging",
  "MetricsConfiguration",
  "Notification",
  "NotificationConfiguration",
  "Policy",
  "Replication",
  "RequestPayment",
  "Tagging",
  "Versioning",
  "Website",
];
const DELETABLE = [
  "AnalyticsConfiguration",
  "Cors",
  "Encryption",
  "InventoryConfiguration",
  "Lifecycle",
  "MetricsConfiguration",
  "Policy",
  "Replication",
  "Tagging",
  "Website",
];
for (const op of [
  "createBucket",
  "deleteBucket",
  "deleteObjects",
  "headBucket",
  "getBucketLocation",
  ...BUCKET_SETTINGS.flatMap((c) => [`getBucket${c}`, `putBucket${c}`]),
  ...DELETABLE.map((c) => `deleteBucket${c}`),
  ...["Analytics", "Inventory", "Metrics"].map((c) => `listBucket${c}Configurations`),
])
  s3[op] = s3Only();
for (const op of [
  "abortMultipartUpload",
  "completeMultipartUpload",
  "createMultipartUpload",
  "getObjectTorrent",
  "listParts",
  "putObject",
  "uploadPart",
])
  s3[op] = s3Only("Key");
for (const op of [
  "deleteObject",
  "deleteObjectTagging",
  "getObject",
  "getObjectAcl",
  "getObjectTagging",
  "headObject",
  "putObjectAcl",
  "putObjectTagging",
  "restoreObject",
])
  s3[op] = s3Only("Key", "VersionId");
for (const op of ["copyObject", "uploadPartCopy"]) s3[op] = s3Only("CopySource", "Key");
for (const op of ["listMultipartUploads", "listObjectVersions", "listObjects", "listObjectsV2"]) s3[op] = s3Only("Prefix");

const SERVICES: Readonly<Record<string, ServiceFields>> = {
  dynamodb,
  sqs,
  s3,
  sns: { publish: { in: ["TopicArn"] }, publishBatch: { in: ["TopicArn"] } },
  lambda: {
    invoke: { in: ["FunctionName", "InvocationType", "LogType", "Qualifier"], out: ["FunctionError", "StatusCode"] },
    invokeAsync: { in: ["FunctionName"], out: ["Status"] },
  },
  sagemakerruntime: { invokeEndpoint: { in: ["EndpointName"] } },
};

/** `TableName` → `table_name`; `IPAddress` → `ip_address` (the one exception the peer makes). */
export function snakeCase(name: string): string {
  if (name === "IPAddress") return "ip_address";
  return name
    .split(/(?=[A-Z])/)
    .join("_")
    .toLowerCase();
}

const own = (o: Bag, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

function copy(names: readonly string[] | undefined, from: Bag | undefined, to: Bag): void {
  if (!names || !from) return;
  for (const name of names) {
    const value = own(from, name);
    if (value !== undefined) to[snakeCase(name)] = value;
  }
}

function copyRenamed(fields: Readonly<Record<string, Renamed>> | undefined, from: Bag | undefined, to: Bag): void {
  if (!fields || !from) return;
  for (const [name, r] of Object.entries(fields)) {
    const value = own(from, name);
    if (value === undefined) continue;
    if (r.take === "count") to[r.as] = Array.isArray(value) ? value.length : 0;
    else if (r.take === "keys") to[r.as] = value !== null && typeof value === "object" ? Object.keys(value) : [];
    else to[r.as] = value;
  }
}

/**
 * The fields of `operation` (e.g. "GetItem") of `service` (a client name or service ID, e.g.
 * "DynamoDB", "SageMaker Runtime") from the command's input and, on success, its output. Empty
 * for operations that record none. Reads own fields only; never throws on odd shapes.
 */
export function operationFields(service: string, operation: string, input: unknown, output: unknown): Bag {
  const fields: Bag = {};
  const table = SERVICES[service.toLowerCase().replace(/\s+/g, "")];
  const op = operation ? operation.charAt(0).toLowerCase() + operation.slice(1) : "";
  const call = table && Object.hasOwn(table, op) ? table[op] : undefined;
  if (!call) return fields;
  const bag = (v: unknown): Bag | undefined => (v !== null && typeof v === "object" ? (v as Bag) : undefined);
  try {
    copy(call.in, bag(input), fields);
    copyRenamed(call.inRenamed, bag(input), fields);
    copy(call.out, bag(output), fields);
    copyRenamed(call.outRenamed, bag(output), fields);
  } catch {
    // an input with throwing getters: what was read so far stands
  }
  return fields;
}

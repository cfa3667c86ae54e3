// The benchmarks' unit of work, the same for xray-edge and aws-xray-sdk-core: a segment joining an
// incoming trace, with 3 subsegments of 2 annotations and 1 metadata value each, closed (and so
// encoded and handed to the transport).
export const HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
const METADATA = { key: { id: "abc" }, limit: 10 };

export function oursSegment(tracer) {
  const segment = tracer.beginSegment("handler", { traceHeader: HEADER });
  for (let i = 0; i < 3; i++) {
    const sub = segment.beginSubsegment("DynamoDB");
    sub.addAnnotation("table", "orders");
    sub.addAnnotation("items", 3);
    sub.addMetadata("request", METADATA);
    sub.close();
  }
  segment.close();
}

export function awsSegment(AWSXRay) {
  const segment = new AWSXRay.Segment("handler", "1-5759e988-bd862e3fe1be46a994272793", "53995c3f42cd8ad8");
  for (let i = 0; i < 3; i++) {
    const sub = segment.addNewSubsegment("DynamoDB");
    sub.addAnnotation("table", "orders");
    sub.addAnnotation("items", 3);
    sub.addMetadata("request", METADATA);
    sub.close();
  }
  segment.close();
}

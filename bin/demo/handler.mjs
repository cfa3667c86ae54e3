// The sample function `npm run demo` runs on Node, Bun and Deno, as a user writes one. In your own
// function the imports are "xray-edge/lambda" and "xray-edge/fetch"; here they point at this
// repository's build.
import { traceHandler, captureAsync, capture, getSegment } from "../../dist/lambda.js";
import { instrumentFetch } from "../../dist/fetch.js";

const tracedFetch = instrumentFetch();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function applyDiscount(code) {
  if (code === "AUTUMN24") throw new RangeError(`discount code ${code} has expired`);
  return 0.1;
}

export const handler = traceHandler(async (event) => {
  getSegment()?.addAnnotation("order_id", event.orderId);

  await captureAsync("validate-order", async (validate) => {
    validate.addAnnotation("items", event.items.length);
    await sleep(3);
  });

  // A downstream call: recorded as a `remote` subsegment, with X-Amzn-Trace-Id passed on.
  const response = await tracedFetch(`${process.env.INVENTORY_URL}/inventory?sku=${event.items[0]}`);
  const stock = await response.json();

  const total = await captureAsync("pricing", async (pricing) => {
    const rules = await captureAsync("load-rules", async () => {
      await sleep(2);
      return { base: 42 };
    });
    let discount = 0;
    try {
      discount = applyDiscount(event.code);
    } catch (error) {
      pricing.addError(error); // caught and recorded: the order goes on at full price
    }
    return capture("total", () => rules.base * (1 - discount));
  });

  return { orderId: event.orderId, total, headerSeenDownstream: stock.received };
});

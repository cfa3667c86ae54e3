// Runs on the xray-edge layer, which traces the handler: the fetch below is a subsegment of it.
import { instrumentFetch } from "xray-edge/fetch";

const tracedFetch = instrumentFetch();

export const handler = async () => {
  const response = await tracedFetch("https://checkip.amazonaws.com/");
  return { status: response.status, runtime: `bun ${Bun.version}` };
};

/** @module xray-edge/xray-api: centralized sampling and direct export through the X-Ray API. */
export {};

/** @module xray-edge/http: a segment for every request a server handles (node:http, fetch-style, Express). */
export {};

import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseDaemonAddress } from "../../adapters/udp/address.ts";

const ep = (host: string, port: number, family: 4 | 6 = 4) => ({ host, port, family });

test("host:port names both the UDP and the TCP endpoint", () => {
  assert.equal(parseDaemonAddress("127.0.0.1:2000"), { udp: ep("127.0.0.1", 2000), tcp: ep("127.0.0.1", 2000) });
  assert.equal(parseDaemonAddress("xray.local:3000"), { udp: ep("xray.local", 3000), tcp: ep("xray.local", 3000) });
  assert.equal(parseDaemonAddress(" localhost:1 "), { udp: ep("localhost", 1), tcp: ep("localhost", 1) });
});

test("udp: and tcp: parts, in either order, any case", () => {
  const expected = { udp: ep("10.0.0.1", 2000), tcp: ep("10.0.0.2", 2001) };
  assert.equal(parseDaemonAddress("udp:10.0.0.1:2000 tcp:10.0.0.2:2001"), expected);
  assert.equal(parseDaemonAddress("tcp:10.0.0.2:2001   udp:10.0.0.1:2000"), expected);
  assert.equal(parseDaemonAddress("TCP:10.0.0.2:2001 UDP:10.0.0.1:2000"), expected);
});

test("IPv6 in brackets, alone or in parts", () => {
  assert.equal(parseDaemonAddress("[::1]:2000"), { udp: ep("::1", 2000, 6), tcp: ep("::1", 2000, 6) });
  assert.equal(parseDaemonAddress("udp:[fe80::1%eth0]:2000 tcp:127.0.0.1:2000"), {
    udp: ep("fe80::1%eth0", 2000, 6),
    tcp: ep("127.0.0.1", 2000),
  });
});

test("no value: AWS_XRAY_DAEMON_ADDRESS, else 127.0.0.1:2000", () => {
  const saved = process.env.AWS_XRAY_DAEMON_ADDRESS;
  try {
    process.env.AWS_XRAY_DAEMON_ADDRESS = "udp:127.0.0.2:3000 tcp:127.0.0.3:3001";
    assert.equal(parseDaemonAddress(), { udp: ep("127.0.0.2", 3000), tcp: ep("127.0.0.3", 3001) });
    delete process.env.AWS_XRAY_DAEMON_ADDRESS;
    assert.equal(parseDaemonAddress(), { udp: ep("127.0.0.1", 2000), tcp: ep("127.0.0.1", 2000) });
  } finally {
    if (saved === undefined) delete process.env.AWS_XRAY_DAEMON_ADDRESS;
    else process.env.AWS_XRAY_DAEMON_ADDRESS = saved;
  }
});

const malformed: [string, RegExp][] = [
  ["", /it is empty/],
  ["   ", /it is empty/],
  ["127.0.0.1", /no host:port/],
  [":2000", /no host:port/],
  ["127.0.0.1:", /port "" is not 1 to 65535/],
  ["127.0.0.1:0", /port "0"/],
  ["127.0.0.1:70000", /port "70000"/],
  ["127.0.0.1:20a0", /port "20a0"/],
  ["udp:127.0.0.1:2000", /needs both a udp: and a tcp: part/],
  ["udp:127.0.0.1:2000 udp:127.0.0.1:2001", /names udp: twice/],
  ["udp:127.0.0.1:2000 http:127.0.0.1:2001", /does not start with udp: or tcp:/],
  ["udp:a:1 tcp:b:2 udp:c:3", /needs both/],
  ["999.1.1.1:2000", /is not a host name or IPv4/],
  ["bad_host:2000", /is not a host name/],
  ["::1:2000", /is not a host name/],
  ["[::1:2000", /has no \]:port/],
  ["[zz]:2000", /is not an IPv6 address/],
];
for (const [value, why] of malformed) {
  test(`malformed ${JSON.stringify(value)} throws, naming the setting and the forms`, () => {
    try {
      parseDaemonAddress(value);
      assert.unreachable("should throw");
    } catch (error) {
      const message = (error as Error).message;
      assert.match(message, /AWS_XRAY_DAEMON_ADDRESS/);
      assert.match(message, /expected host:port, udp:host:port tcp:host:port/);
      assert.match(message, why);
    }
  });
}

test.run();

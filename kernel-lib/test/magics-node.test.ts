/**
 * The Node magic session's `%dt connect` to a server that never answers: a TCP port that accepts and says
 * nothing stands in for a host that drops packets (node-postgres alone would wait forever).
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DtError } from '../src/errors.js';
import { nodeSession } from '../src/magics/node.js';

let server: net.Server;
const sockets = new Set<net.Socket>();
let port = 0;

beforeAll(async () => {
  server = net.createServer((socket) => {
    sockets.add(socket); // accepted, never answered
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
});

it('%dt connect to a silent server fails with DT_ERR_BACKEND after the timeout; the session keeps working', async () => {
  const session = nodeSession({ connectTimeoutMs: 400 });
  const started = performance.now();
  const error = await session.run(`%dt connect postgres://u@127.0.0.1:${port}/db`).catch((e: unknown) => e);
  const waited = performance.now() - started;
  expect(error).toBeInstanceOf(DtError);
  expect((error as DtError).code).toBe('DT_ERR_BACKEND');
  expect((error as DtError).message).toBe(
    `cannot open postgres://u@127.0.0.1:${port}/db: no answer from the server in 0.4 s`,
  );
  expect(waited).toBeGreaterThanOrEqual(390);
  expect(waited).toBeLessThan(5000);
  expect(sockets.size).toBe(1); // it did reach the port
  expect(session.connected).toBeUndefined();
  const [clock] = (await session.run('%dt clock')) ?? [];
  expect(String(clock?.data['text/plain'])).toMatch(/^clock \d{4}-/);
  await session.close();
});

it('%dt connect never shows the password of a URL that fails', async () => {
  const session = nodeSession({ connectTimeoutMs: 2000 });
  const error = await session.run('%dt connect postgres://u:s3cret@127.0.0.1:1/db').catch((e: unknown) => e);
  expect((error as DtError).code).toBe('DT_ERR_BACKEND');
  expect((error as DtError).message).toMatch(/^cannot open postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/db: /);
  expect((error as DtError).message).not.toContain('s3cret');
  await session.close();
});

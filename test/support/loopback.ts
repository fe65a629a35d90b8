import type { Server } from "node:http";
import { type AddressInfo, connect } from "node:net";

/** Starts `server` on a free port of 127.0.0.1 and returns its base URL (stand-ins and proxies only listen on loopback). */
export const listenOnLoopback = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
};

/** Closes `server`, dropping kept-alive and hanging connections (a fault may have left one open). */
export const closeServer = async (server: Server): Promise<void> => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
};

/** Whether something accepts connections on 127.0.0.1:port (e.g. a DynamoDB Local still running). */
export const portOpen = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
